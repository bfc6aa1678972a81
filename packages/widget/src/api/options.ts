import type { TransportName } from '@parley/client';
import type { Message, PublicWidgetConfig } from '@parley/protocol';
import type { ChatSource, SourceContext } from '../core/chat-source.js';

/** How a page embeds one widget: script tag data attributes, `mount()`, `<parley-chat>` and the iframe all end up here. */
export interface MountOptions {
  /** Managed mode: the widget id and the Parley server (default: where widget.js came from). */
  readonly widgetId?: string;
  readonly server?: string;
  /** Direct mode: an n8n Chat Trigger compatible webhook, called from the browser; no Parley server. */
  readonly webhookUrl?: string;
  readonly webhookHeaders?: Readonly<Record<string, string>>;
  readonly layout?: 'bubble' | 'inline' | 'fullscreen';
  /** Inline layout: the element (or a CSS selector) the chat fills. */
  readonly target?: string | HTMLElement;
  readonly position?: 'bottom-right' | 'bottom-left';
  readonly offsetX?: number;
  readonly offsetY?: number;
  /** BCP 47 tag; default: the visitor's stored choice, else the browser's language. */
  readonly language?: string;
  readonly open?: boolean;
  readonly hideLauncher?: boolean;
  /** Force a transport (tests, strict proxies); default ws → sse → poll. */
  readonly transports?: readonly TransportName[];
  /** Separates two embeds of the same widget on one site (default: the widget id or webhook URL). */
  readonly storageKey?: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly identity?: { readonly userId: string; readonly userHash: string };
  /** Direct mode texts (managed mode takes them from the server's config). */
  readonly title?: string;
  readonly intro?: string;
  readonly initial?: string;
  readonly placeholder?: string;
  readonly stream?: boolean;
  /** Internal: the host element given by `<parley-chat>`. */
  readonly host?: HTMLElement;
  /**
   * Internal, the console's preview: the config to show as is (no request for it) and the conversation
   * source to use instead of the server's, so nothing is created on the server.
   */
  readonly config?: PublicWidgetConfig;
  readonly source?: (context: SourceContext) => ChatSource;
}

export interface WidgetEvents {
  ready: { readonly widgetId: string };
  open: undefined;
  close: undefined;
  message: Message;
  unread: { readonly count: number };
  handoff: Message;
  /** The visitor rated the conversation (1–5); their comment stays out of events. */
  rated: { readonly score: number };
  /** Something the page asked could not be done (e.g. `open({ conversationId })` of a conversation not the visitor's). */
  error: { readonly code: string; readonly message: string };
}

export type WidgetEventName = keyof WidgetEvents;

/** What `open` may be given: one of the visitor's conversations, by the id the `message` event and `parley:message` carry. */
export interface OpenTarget {
  readonly conversationId: string;
}

/** The object handle of one widget on the page (the `Parley` global forwards to the first one). */
export interface WidgetHandle {
  readonly key: string;
  /**
   * Opens the chat window; with `{ conversationId }`, on that conversation of the visitor's (a widget with
   * `conversations.multiple`). A conversation it cannot show (not allowed, not theirs) leaves the window on the one it
   * shows, and the `error` event says why.
   */
  open(target?: OpenTarget): void;
  close(): void;
  toggle(): void;
  show(): void;
  hide(): void;
  identify(identity: { readonly userId: string; readonly userHash: string }): void;
  setAttributes(attributes: Readonly<Record<string, string>>): void;
  setLocale(language: string): Promise<void>;
  send(text: string): void;
  /** A custom event of the page (`Parley('track', name, data)`): campaigns with an `event` trigger of that name may show. */
  track(name: string, data?: unknown): void;
  on<K extends WidgetEventName>(event: K, listener: (payload: WidgetEvents[K]) => void): () => void;
  off<K extends WidgetEventName>(event: K, listener: (payload: WidgetEvents[K]) => void): void;
  /** Forgets the visitor: closes the conversation, clears what the browser stored, starts fresh. */
  shutdown(): void;
  /** Removes the widget from the page. */
  destroy(): void;
  isOpen(): boolean;
}
