import type { Message, PublicWidgetConfig, WidgetPreviewMessage } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceContext } from '../core/chat-source.js';
import type { MountOptions, WidgetHandle } from '../api/options.js';
import { startPreview } from './preview-bridge.js';

const ORIGIN = 'https://chat.example.com';
const config = { id: 'wgt_1', strings: { title: 'Shop' } } as unknown as PublicWidgetConfig; // Only what the bridge reads.
const preview: WidgetPreviewMessage = {
  parley: 'preview',
  config,
  layout: 'bubble',
  sample: [
    { role: 'visitor', text: 'Hi?' },
    { role: 'bot', text: 'Hello!' },
  ],
  reply: 'A preview.',
};

/** An element whose focus() says it ran, and whether the frame has the focus (document.hasFocus). */
const focused: string[] = [];
let frameFocused = false;
class FakeElement {
  constructor(readonly name: string) {}
  focus(): void {
    focused.push(this.name);
  }
}

function setup() {
  const listeners: ((event: unknown) => void)[] = [];
  const parent = { postMessage: vi.fn() };
  vi.stubGlobal('location', { href: `${ORIGIN}/widget-preview` });
  vi.stubGlobal('HTMLElement', FakeElement);
  vi.stubGlobal('document', { hasFocus: () => frameFocused });
  vi.stubGlobal('window', { parent, addEventListener: (_type: string, listener: (event: unknown) => void) => listeners.push(listener) });
  const handles: { destroy: ReturnType<typeof vi.fn> }[] = [];
  const mount = vi.fn(async (_options: MountOptions) => {
    const handle = { destroy: vi.fn() };
    handles.push(handle);
    return handle as unknown as WidgetHandle;
  });
  startPreview(mount);
  const deliver = (event: { source: unknown; origin: string; data: unknown }) => listeners.forEach((listener) => listener(event));
  return { parent, mount, handles, deliver };
}

describe('preview bridge (the console preview page)', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    FakeElement.prototype.focus = function (this: FakeElement) {
      focused.push(this.name);
    };
    focused.length = 0;
    frameFocused = false;
  });

  it("keeps the widget's own focus moves inside the frame only while the frame has the focus (the console keeps its keyboard)", () => {
    setup();
    new FakeElement('composer').focus();
    expect(focused).toEqual([]);
    frameFocused = true;
    new FakeElement('composer').focus();
    expect(focused).toEqual(['composer']);
  });

  it('says it is ready to its parent at the server origin, and mounts only what the parent window posts from that origin', async () => {
    const { parent, mount, deliver } = setup();
    expect(parent.postMessage).toHaveBeenCalledWith({ parley: 'preview-ready' }, ORIGIN);
    deliver({ source: {}, origin: ORIGIN, data: preview });
    deliver({ source: parent, origin: 'https://evil.example', data: preview });
    deliver({ source: parent, origin: ORIGIN, data: { parley: 'preview', config: null } });
    expect(mount).not.toHaveBeenCalled();
    deliver({ source: parent, origin: ORIGIN, data: preview });
    expect(mount).toHaveBeenCalledTimes(1);
    expect(mount.mock.calls[0]?.[0]).toMatchObject({ widgetId: 'wgt_1', layout: 'bubble', open: true, config });
  });

  it('replaces the shown widget only once the new one is mounted, each on a key of its own', async () => {
    const { parent, mount, handles, deliver } = setup();
    deliver({ source: parent, origin: ORIGIN, data: preview });
    deliver({ source: parent, origin: ORIGIN, data: preview });
    await vi.waitFor(() => expect(handles[0]?.destroy).toHaveBeenCalled());
    expect(handles[1]?.destroy).not.toHaveBeenCalled();
    expect(mount.mock.calls.map(([options]) => options.storageKey)).toEqual(['preview-1', 'preview-2']);
  });

  it('shows the sample conversation, and answers anything sent with the preview reply, without a server', () => {
    const { parent, mount, deliver } = setup();
    deliver({ source: parent, origin: ORIGIN, data: preview });
    const source = mount.mock.calls[0]?.[0].source?.({} as SourceContext);
    const seen: Message[] = [];
    source?.on('messages', (messages) => seen.push(...messages));
    source?.start();
    source?.send('Where is my order?');
    expect(seen.map((message) => [message.author.role, message.text, message.seq])).toEqual([
      ['visitor', 'Hi?', 1],
      ['bot', 'Hello!', 2],
      ['visitor', 'Where is my order?', 3],
      ['bot', 'A preview.', 4],
    ]);
  });
});
