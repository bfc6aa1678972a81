import { expect, it } from 'vitest';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
}

async function conversation(server: TestServer): Promise<Visitor> {
  const { widgetId } = await createBotAndWidget(server, { name: 'Support' });
  const created = await server.request('POST', `/v1/widgets/${widgetId}/sessions`, {
    auth: 'none',
    body: { contact: { name: 'Ada Lovelace', email: 'ada@example.com' } },
  });
  if (created.status !== 201) throw new Error(created.body);
  return { token: created.json.token, conversationId: created.json.conversationId };
}

async function say(server: TestServer, visitor: Visitor, text: string): Promise<void> {
  const sent = await server.request('POST', `/v1/conversations/${visitor.conversationId}/messages`, {
    auth: visitor.token,
    body: { text },
  });
  if (sent.status !== 201) throw new Error(sent.body);
  await server.services.botTurns.idle();
}

describeEachStore('conversation transcripts', (server) => {
  it('exports the conversation as text in the asked time zone, without private notes unless asked', async () => {
    const visitor = await conversation(server());
    await say(server(), visitor, 'What is the price?');
    const note = await server().request('POST', `/v1/inbox/${visitor.conversationId}/notes`, { body: { text: 'VIP customer' } });
    expect(note.status).toBe(201);

    const response = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?format=text&timeZone=Asia/Tokyo`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="conversation-${visitor.conversationId}.txt"`);
    expect(response.headers['cache-control']).toBe('no-store');
    const text = response.body;
    expect(text.split('\n')[0]).toBe('Conversation with Ada Lovelace <ada@example.com>');
    expect(text).toContain('Widget: Support');
    expect(text).toContain('\nTime zone: Asia/Tokyo\n');
    expect(text).toMatch(/\n\d{1,2}:\d{2}\s?(AM|PM)? {2}Ada Lovelace: What is the price\?/);
    expect(text).toMatch(/FAQ \(bot\): It is free\./);
    expect(text).not.toContain('VIP customer');

    // The message's hour as Tokyo reads it (UTC+9, no daylight saving), not as UTC.
    const stored = (await server().request('GET', `/v1/conversations/${visitor.conversationId}/messages`, { auth: visitor.token })).json
      .items;
    const asked = stored.find((message: { text: string }) => message.text === 'What is the price?');
    const tokyoHour = (new Date(asked.createdAt).getUTCHours() + 9) % 24;
    const shown = new RegExp(`\\n(\\d{1,2}):\\d{2}\\s?(AM|PM)? {2}Ada Lovelace`).exec(text);
    const hour12 = Number(shown?.[1]) % 12;
    expect(hour12).toBe(tokyoHour % 12);

    const withNotes = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?notes=true`);
    expect(withNotes.body).toMatch(/\(private note\): VIP customer/);
    expect(withNotes.body).toContain('\nPrivate notes: included\n');
    expect(text).not.toContain('Private notes');
  });

  it('exports printable HTML that renders Markdown and never markup from a message', async () => {
    const visitor = await conversation(server());
    await say(
      server(),
      visitor,
      '**bold** and <script>window.__pwned()</script> and [docs](https://example.com/docs) and [x](javascript:alert(1))',
    );
    const response = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?format=html&download=false`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-disposition']).toMatch(/^inline; /);
    expect(response.headers['content-security-policy']).toContain("default-src 'none'");
    const html = response.body;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<strong>bold</strong>');
    expect(html).toContain('&lt;script&gt;window.__pwned()&lt;/script&gt;');
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('<a href="https://example.com/docs" rel="noopener noreferrer nofollow" target="_blank">docs</a>');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<title>Conversation with Ada Lovelace &lt;ada@example.com&gt;</title>');
  });

  it('streams JSON of a conversation longer than one page, every message once and in order', async () => {
    const visitor = await conversation(server());
    const author = { role: 'visitor', id: 'v-long', name: 'Ada Lovelace' } as const;
    for (let index = 0; index < 520; index++) {
      await server().services.engine.append({ conversationId: visitor.conversationId, author, type: 'text', text: `message ${index}` });
    }
    await server().services.engine.append({
      conversationId: visitor.conversationId,
      author: { role: 'bot', id: 'b', name: 'FAQ' },
      type: 'file',
      text: 'menu.pdf',
      payload: { url: '/v1/files/abc/menu.pdf', name: 'menu.pdf', mimeType: 'application/pdf', size: 2048 },
    });
    const response = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?format=json`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    const transcript = response.json;
    expect(transcript.object).toBe('transcript');
    expect(transcript.contact.email).toBe('ada@example.com');
    expect(transcript.widget.name).toBe('Support');
    const texts = transcript.messages.map((message: { text: string }) => message.text);
    expect(texts.filter((text: string) => text.startsWith('message '))).toEqual(
      Array.from({ length: 520 }, (_, index) => `message ${index}`),
    );
    const seqs = transcript.messages.map((message: { seq: number }) => message.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    const file = transcript.messages.at(-1);
    expect(file.kind).toBe('file');
    expect(file.file).toEqual({
      name: 'menu.pdf',
      url: expect.stringMatching(/^http:\/\/[^/]+\/v1\/files\/abc\/menu\.pdf$/),
      mimeType: 'application/pdf',
      size: 2048,
    });
  });

  it('refuses bad options, unknown conversations and visitors', async () => {
    const visitor = await conversation(server());
    const zone = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?timeZone=Mars/Olympus`);
    expect(zone.status).toBe(400);
    expect(zone.json.error.field).toBe('timeZone');
    const format = await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript?format=pdf`);
    expect(format.status).toBe(400);
    expect(format.json.error.message).toContain('text, html, json');
    expect((await server().request('GET', '/v1/inbox/does-not-exist/transcript')).status).toBe(404);
    expect((await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript`, { auth: 'none' })).status).toBe(401);
    expect((await server().request('GET', `/v1/inbox/${visitor.conversationId}/transcript`, { auth: visitor.token })).status).toBe(401);
  });
});
