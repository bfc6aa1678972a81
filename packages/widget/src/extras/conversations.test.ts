import { Emitter } from '@parley/client';
import type { SessionCreated } from '@parley/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WidgetEvents } from '../api/options.js';
import type { Controller } from '../ui/controller.js';
import { openConversation } from './conversations.js';

const SESSION = { token: 'tok_a', conversationId: 'cnv_a', expiresAt: '2999-01-01T00:00:00.000Z' };

interface Fake {
  readonly multiple?: boolean;
  readonly gate?: boolean;
  readonly server?: string | null;
  readonly session?: typeof SESSION | null;
  readonly identity?: boolean;
}

/** The parts of the widget openConversation reads, with what it asks of the shared source recorded. */
function widget({ multiple = true, gate = false, server = 'https://chat.test', session = SESSION, identity = false }: Fake = {}) {
  const adopted: SessionCreated[] = [];
  const share = Object.assign(new Emitter<{ session: typeof SESSION | null }>(), {
    held: session,
    profile: () => ({ identity: identity ? { userId: 'u1', userHash: 'h' } : null }),
    ensureSession: vi.fn(),
    adopt: (created: SessionCreated) => void adopted.push(created),
  });
  const events = new Emitter<WidgetEvents>();
  const errors: WidgetEvents['error'][] = [];
  events.on('error', (error) => errors.push(error));
  // Only what the function reads: a whole Controller (stores, tab share, config) would hide which parts matter.
  const ctl = {
    server,
    widgetId: 'wgt_1',
    store: { state: { gate, config: { conversations: { multiple } } } },
    persist: { read: () => ({ session: share.held }) },
    share,
  } as unknown as Controller;
  return { ctl, share, events, errors, adopted };
}

function answer(status: number, body: unknown): void {
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(JSON.stringify(body), { status })),
  );
}

describe('openConversation (the JS API’s open({ conversationId }))', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('adopts the session the server answers for another of the visitor’s conversations', async () => {
    const w = widget();
    const created = { token: 'tok_b', conversationId: 'cnv_b', expiresAt: SESSION.expiresAt, messages: [] };
    answer(200, created);
    await openConversation(w.ctl, { conversationId: 'cnv_b' }, w.events);
    expect(fetch).toHaveBeenCalledWith(
      'https://chat.test/v1/widgets/wgt_1/visitor/conversations/cnv_b/session',
      expect.objectContaining({ method: 'POST', headers: { authorization: 'Bearer tok_a' } }),
    );
    expect(w.adopted).toEqual([created]);
    expect(w.errors).toEqual([]);
  });

  it('passes the server’s refusal on as the error event, and switches nothing', async () => {
    const w = widget();
    answer(404, { error: { code: 'PARLEY_ERR_CONVERSATION_NOT_FOUND', message: 'No conversation cnv_x' } });
    await openConversation(w.ctl, { conversationId: 'cnv_x' }, w.events);
    expect(w.errors).toEqual([{ code: 'PARLEY_ERR_CONVERSATION_NOT_FOUND', message: 'No conversation cnv_x' }]);
    expect(w.adopted).toEqual([]);
  });

  it('says so without asking the server when the widget keeps one conversation, the gate is up, or the id is no string', async () => {
    vi.stubGlobal('fetch', vi.fn());
    const single = widget({ multiple: false });
    await openConversation(single.ctl, { conversationId: 'cnv_b' }, single.events);
    const direct = widget({ server: null });
    await openConversation(direct.ctl, { conversationId: 'cnv_b' }, direct.events);
    const gated = widget({ gate: true });
    await openConversation(gated.ctl, { conversationId: 'cnv_b' }, gated.events);
    const wrong = widget();
    await openConversation(wrong.ctl, { conversationId: 42 }, wrong.events);
    expect([single, direct, gated, wrong].map((w) => w.errors.map((error) => error.code))).toEqual([
      ['PARLEY_ERR_CONVERSATIONS_SINGLE'],
      ['PARLEY_ERR_CONVERSATIONS_SINGLE'],
      ['PARLEY_ERR_CONSENT_REQUIRED'],
      ['PARLEY_ERR_REQUEST_VALIDATION'],
    ]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('is a plain open without a conversationId, and does nothing for the conversation already shown', async () => {
    vi.stubGlobal('fetch', vi.fn());
    const w = widget();
    await openConversation(w.ctl, {}, w.events);
    await openConversation(w.ctl, { conversationId: SESSION.conversationId }, w.events);
    expect(w.errors).toEqual([]);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refuses without a request when the browser holds no conversation and the visitor is not identified', async () => {
    vi.stubGlobal('fetch', vi.fn());
    const w = widget({ session: null });
    await openConversation(w.ctl, { conversationId: 'cnv_b' }, w.events);
    expect(w.errors.map((error) => error.code)).toEqual(['PARLEY_ERR_CONVERSATION_NOT_FOUND']);
    expect(w.share.ensureSession).not.toHaveBeenCalled();
    expect(fetch).not.toHaveBeenCalled();
  });

  it('gets an identified visitor’s first session in this browser, then opens the conversation with it', async () => {
    const w = widget({ session: null, identity: true });
    answer(200, { token: 'tok_b', conversationId: 'cnv_b', expiresAt: SESSION.expiresAt, messages: [] });
    const opening = openConversation(w.ctl, { conversationId: 'cnv_b' }, w.events);
    expect(w.share.ensureSession).toHaveBeenCalledTimes(1);
    // The leader stores the session before it tells the tabs.
    w.share.held = SESSION;
    w.share.emit('session', SESSION);
    await opening;
    expect(w.adopted.map((created) => created.conversationId)).toEqual(['cnv_b']);
  });

  it('gives up with an error when that first session never comes', async () => {
    vi.useFakeTimers();
    vi.stubGlobal('fetch', vi.fn());
    const w = widget({ session: null, identity: true });
    const opening = openConversation(w.ctl, { conversationId: 'cnv_b' }, w.events);
    await vi.advanceTimersByTimeAsync(20_000);
    await opening;
    expect(w.errors.map((error) => error.code)).toEqual(['PARLEY_ERR_CLIENT_NETWORK']);
    expect(fetch).not.toHaveBeenCalled();
  });
});
