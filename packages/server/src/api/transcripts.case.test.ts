import nodemailer from 'nodemailer';
import { expect, it } from 'vitest';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachStore, type TestServer } from '../testing/test-server.js';

interface Visitor {
  readonly token: string;
  readonly conversationId: string;
}

async function conversation(server: TestServer): Promise<Visitor> {
  const { widgetId } = await createBotAndWidget(server, { name: 'Support' });
  return openSession(server, widgetId, {
    contact: { name: 'Ada Lovelace', email: 'ada@example.com' },
    meta: { pageUrl: 'https://shop.example/pricing' },
  });
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
    expect(text).toContain('\nPage: https://shop.example/pricing\n');
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
    expect(transcript.pageUrl).toBe('https://shop.example/pricing');
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

  it('says so when the server sends no mail', async () => {
    const visitor = await conversation(server());
    const agent = await server().request('POST', `/v1/inbox/${visitor.conversationId}/transcript/email`, { body: {} });
    expect(agent.status).toBe(409);
    expect(agent.json.error.code).toBe('PARLEY_ERR_MAIL_NOT_CONFIGURED');
    const own = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
      auth: visitor.token,
      body: {},
    });
    expect(own.json.error.code).toBe('PARLEY_ERR_MAIL_NOT_CONFIGURED');
  });
});

interface SentMail {
  readonly to: unknown;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Every mail the server hands to its transport, kept in memory. */
const sent: SentMail[] = [];
const memoryTransport = nodemailer.createTransport({
  name: 'memory',
  version: '1',
  send: (mail, done) => {
    sent.push(mail.data as unknown as SentMail);
    done(null, { envelope: mail.message.getEnvelope(), messageId: `<${sent.length}@test>` });
  },
});
const mailTo = (address: string) => sent.filter((mail) => JSON.stringify(mail.to).includes(address));

describeEachStore(
  'emailed transcripts',
  (server) => {
    it('mails the transcript to the contact or to the address an agent names, notes only when asked', async () => {
      const visitor = await conversation(server());
      await say(server(), visitor, 'What is the price?');
      await server().request('POST', `/v1/inbox/${visitor.conversationId}/notes`, { body: { text: 'Secret VIP note' } });

      const toContact = await server().request('POST', `/v1/inbox/${visitor.conversationId}/transcript/email`, {
        body: { timeZone: 'Europe/Paris' },
      });
      expect(toContact.status).toBe(202);
      expect(toContact.json).toEqual({ to: 'ada@example.com' });
      const mail = sent.at(-1);
      expect(mail?.to).toEqual({ name: 'Ada Lovelace', address: 'ada@example.com' });
      expect(mail?.subject).toMatch(/^Your conversation on /);
      expect(mail?.text).toContain('Ada Lovelace: What is the price?');
      expect(mail?.text).toContain('Time zone: Europe/Paris');
      expect(mail?.html).toContain('<!doctype html>');
      expect(mail?.text).not.toContain('Secret VIP note');

      const colleague = await server().request('POST', `/v1/inbox/${visitor.conversationId}/transcript/email`, {
        body: { to: 'lead@example.org', notes: true },
      });
      expect(colleague.json).toEqual({ to: 'lead@example.org' });
      expect(mailTo('lead@example.org').at(-1)?.text).toContain('(private note): Secret VIP note');

      const bad = await server().request('POST', `/v1/inbox/${visitor.conversationId}/transcript/email`, { body: { to: 'not-an-email' } });
      expect(bad.status).toBe(400);
      expect(bad.json.error.field).toBe('to');
    });

    it('lets a visitor mail their own conversation to their own address, once every ten minutes, never with notes', async () => {
      const visitor = await conversation(server());
      await say(server(), visitor, 'Send me this please');
      await server().request('POST', `/v1/inbox/${visitor.conversationId}/notes`, { body: { text: 'Internal remark' } });
      const before = mailTo('ada@example.com').length;
      const asked = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
        auth: visitor.token,
        body: { locale: 'fr' },
      });
      expect(asked.status).toBe(202);
      expect(asked.json).toEqual({ to: 'a•••@example.com' });
      const mail = mailTo('ada@example.com').at(-1);
      expect(mailTo('ada@example.com').length).toBe(before + 1);
      expect(mail?.text).toContain('Send me this please');
      expect(mail?.text).not.toContain('Internal remark');

      const again = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
        auth: visitor.token,
        body: {},
      });
      expect(again.status).toBe(429);
      expect(Number(again.headers['retry-after'])).toBeGreaterThan(500);
      expect(mailTo('ada@example.com').length).toBe(before + 1);

      // A visitor cannot name an address, nor ask for the notes.
      const named = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
        auth: visitor.token,
        body: { to: 'victim@example.net' },
      });
      expect(named.status).toBe(400);
      expect(named.json.error.code).toBe('PARLEY_ERR_REQUEST_UNKNOWN_FIELD');
    });

    it('mails the transcript when an agent resolves, only where the widget asks for it, in the visitor’s time zone', async () => {
      const start = async (widget: Record<string, unknown>, email: string) => {
        const { widgetId } = await createBotAndWidget(server(), widget);
        const visitor = await openSession(server(), widgetId, { contact: { email }, meta: { timezone: 'America/New_York' } });
        await say(server(), visitor, 'Thanks, that is all');
        const resolved = await server().request('POST', `/v1/inbox/${visitor.conversationId}/resolve`, { body: {} });
        expect(resolved.status).toBe(200);
        await server().services.transcripts.idle();
      };
      // Both databases' suites share the transport: each run has its own addresses.
      const run = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
      await start({}, `quiet-${run}@example.com`);
      expect(mailTo(`quiet-${run}@example.com`)).toEqual([]);
      await start({ emailTranscriptOnResolve: true }, `wants-${run}@example.com`);
      const mail = mailTo(`wants-${run}@example.com`);
      expect(mail.length).toBe(1);
      expect(mail[0]?.text).toContain('Thanks, that is all');
      expect(mail[0]?.text).toContain('Time zone: America/New_York');
      expect(mail[0]?.text).toContain('Status: resolved');
    });

    it('refuses when nobody left an email', async () => {
      const { widgetId } = await createBotAndWidget(server());
      const visitor = await openSession(server(), widgetId);
      await say(server(), visitor, 'Hello');
      const own = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
        auth: visitor.token,
        body: {},
      });
      expect(own.status).toBe(409);
      expect(own.json.error.code).toBe('PARLEY_ERR_TRANSCRIPT_NO_EMAIL');
      // Refused without sending: the visitor may ask again at once after leaving an email.
      const retry = await server().request('POST', `/v1/conversations/${visitor.conversationId}/transcript/email`, {
        auth: visitor.token,
        body: {},
      });
      expect(retry.json.error.code).toBe('PARLEY_ERR_TRANSCRIPT_NO_EMAIL');
    });
  },
  { agents: { mailTransport: memoryTransport } },
);
