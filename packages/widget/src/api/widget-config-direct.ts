import { EN_UI_STRINGS, PROTOCOL_VERSION, type PublicWidgetConfig } from '@parley/protocol';
import type { MountOptions } from './options.js';

/**
 * Direct mode has no server to ask: the visitor-facing defaults (the same values as the protocol's
 * DEFAULT_WIDGET_SETTINGS, written out because importing that module would pull every settings
 * schema into the bundle; the type keeps the two in step), English texts, and the embed options.
 */
export function directConfig(options: MountOptions): PublicWidgetConfig {
  const texts = {
    ...(options.title === undefined ? {} : { title: options.title }),
    ...(options.intro === undefined ? {} : { intro: options.intro }),
    ...(options.initial === undefined ? {} : { initial: options.initial }),
    ...(options.placeholder === undefined ? {} : { placeholder: options.placeholder }),
  };
  return {
    layout: 'bubble',
    theme: {
      mode: 'light',
      primaryColor: '#1f5fd1',
      textOnPrimaryColor: '#ffffff',
      radius: 14,
      position: 'bottom-right',
      offsetX: 20,
      offsetY: 20,
      launcherIcon: 'chat',
    },
    startFirst: false,
    autoScroll: true,
    attachments: false,
    voiceIn: false,
    voiceOut: false,
    contactCollection: false,
    unfurl: false,
    math: false,
    carousel: true,
    form: true,
    sessionDuration: 86_400_000,
    exportConversation: true,
    restartConversation: true,
    maximize: true,
    messagePeek: true,
    poweredBy: true,
    stream: options.stream ?? true,
    verbose: false,
    notifications: { sound: true, tabTitle: true },
    analytics: { dataLayer: false },
    // No server: nothing to download or delete there, and no consent record to keep.
    privacy: { selfService: false, consent: false, consentVersion: '1', policyUrl: null },
    // No server: no signalling channel for calls.
    calls: { visitor: 'off' },
    // No server: no other conversations to list.
    conversations: { multiple: false },
    id: options.webhookUrl ?? 'direct',
    protocolVersion: PROTOCOL_VERSION,
    tools: false,
    language: 'en',
    languages: [],
    dir: 'ltr',
    strings: { ...EN_UI_STRINGS, ...texts },
  };
}
