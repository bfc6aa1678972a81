import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { createAgent } from '../testing/agent-fixtures.js';
import { createBotAndWidget } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer, TEST_ADMIN_KEY, TEST_SECRET, type TestServer } from '../testing/test-server.js';

interface Mail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

/** A real SMTP server on a free local port, keeping every mail it accepts. */
const mails: Mail[] = [];
let smtp: SMTPServer;
let smtpPort = 0;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

async function waitForMail(to: string): Promise<Mail> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const found = mails.find((mail) => mail.to.includes(to));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} within 5 s; got ${mails.map((m) => m.to.join()).join('; ')}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describeEachDialect(
  'offline mode and replies by email',
  (dialect) =>
    startTestServer(dialect, {
      agents: { mailDelayMs: 150, mailTransport: nodemailer.createTransport(`smtp://127.0.0.1:${smtpPort}?ignoreTLS=true`) },
    }),
  (server: () => TestServer) => {
    it('goes offline with nobody online, takes the visitor’s email and mails them the agent’s reply', async () => {
      const agent = await createAgent(server(), { name: 'Mia' });
      const { widgetId } = await createBotAndWidget(server(), { offlineMessage: 'We are away; leave your email.' });
      const session = (await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} })).json;
      await server().request('POST', `/v1/conversations/${session.conversationId}/messages`, {
        auth: session.token,
        body: { text: 'I need a human' },
      });
      await server().services.botTurns.idle();
      await server().services.desk.idle();
      const presence = await server().services.desk.presence.frame(session.conversationId);
      expect(presence).toMatchObject({
        offline: true,
        offlineReason: 'no_agents',
        offlineMessage: 'We are away; leave your email.',
        agentsOnline: 0,
      });
      const email = `visitor-${server().dialect}-${Date.now()}@example.com`;
      const left = await server().request('POST', `/v1/conversations/${session.conversationId}/contact`, {
        auth: session.token,
        body: { email, name: 'Vera' },
      });
      expect(left.status).toBe(200);
      expect(left.json.contact).toMatchObject({ email, name: 'Vera' });
      const item = (
        await server().request('GET', `/v1/inbox/${session.conversationId}`, { auth: 'none', headers: { cookie: agent.cookie } })
      ).json;
      expect(item.conversation.owner).toBe('queued');
      expect(item.contact.email).toBe(email);
      await server().request('POST', `/v1/inbox/${session.conversationId}/notes`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'internal: refund approved by Sam' },
      });
      await server().request('POST', `/v1/inbox/${session.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'Sorry for the wait, here is your answer.' },
      });
      const mail = await waitForMail(email);
      expect(mail.raw).toMatch(/Subject: Mia replied to your message/);
      expect(mail.raw).toContain('Sorry for the wait, here is your answer.');
      expect(mail.raw).not.toContain('refund approved');
      // The reply also waits in the conversation for when the visitor comes back.
      const history = (await server().request('GET', `/v1/conversations/${session.conversationId}/messages`, { auth: session.token })).json
        .items;
      expect(history.at(-1)).toMatchObject({ author: { role: 'agent' }, text: 'Sorry for the wait, here is your answer.' });
    });

    it("mails the reply in the visitor's language", async () => {
      const agent = await createAgent(server(), { name: 'Mia' });
      const { widgetId } = await createBotAndWidget(server(), { language: 'de' });
      const email = `leser-${server().dialect}-${Date.now()}@example.com`;
      const session = (await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { contact: { email } } }))
        .json;
      await server().request('POST', `/v1/inbox/${session.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'Hallo!' },
      });
      const mail = await waitForMail(email);
      expect(mail.raw).toMatch(/Subject: Mia hat auf Ihre Nachricht geantwortet/);
    });

    it('mails nothing for a reply the visitor has read, and nothing to a visitor without an email', async () => {
      const agent = await createAgent(server());
      const { widgetId } = await createBotAndWidget(server());
      const email = `reader-${server().dialect}-${Date.now()}@example.com`;
      const reader = (await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { contact: { email } } }))
        .json;
      const silent = (await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: {} })).json;
      const reply = await server().request('POST', `/v1/inbox/${reader.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'Read me' },
      });
      await server().services.signals.markRead(reader.conversationId, { role: 'visitor', id: 'visitor' }, reply.json.message.seq);
      await server().request('POST', `/v1/inbox/${silent.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'Hi' },
      });
      // A later reply in another conversation that is mailed shows the earlier timers have fired by then.
      const marker = `marker-${server().dialect}-${Date.now()}@example.com`;
      const other = (
        await server().request('POST', `/v1/widgets/${widgetId}/sessions`, { auth: 'none', body: { contact: { email: marker } } })
      ).json;
      await server().request('POST', `/v1/inbox/${other.conversationId}/messages`, {
        auth: 'none',
        headers: { cookie: agent.cookie },
        body: { text: 'Ping' },
      });
      await waitForMail(marker);
      expect(mails.some((mail) => mail.to.includes(email))).toBe(false);
    });
  },
);

describe('PARLEY_SMTP_URL', () => {
  it('is what the server mails through, with PARLEY_MAIL_FROM as the sender', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'parley-smtp-'));
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_ADMIN_KEY: TEST_ADMIN_KEY,
      PARLEY_SECRET: TEST_SECRET,
      PARLEY_LOG_LEVEL: 'silent',
      PARLEY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}?ignoreTLS=true`,
      PARLEY_MAIL_FROM: 'Support <support@example.com>',
    });
    const { app, services } = await buildApp(config, { logger: false, agents: { mailDelayMs: 50 } });
    try {
      const inject = async (method: 'GET' | 'POST', url: string, body: unknown, authorization?: string) =>
        JSON.parse(
          (
            await app.inject({
              method,
              url,
              headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
              payload: JSON.stringify(body),
            })
          ).body,
        );
      const admin = `Bearer ${TEST_ADMIN_KEY}`;
      const bot = await inject('POST', '/v1/bots', { kind: 'builtin', name: 'b', config: { rules: [], fallback: 'x' } }, admin);
      const widget = await inject('POST', '/v1/widgets', { name: 'w', botId: bot.id }, admin);
      const email = `smtp-url-${Date.now()}@example.com`;
      const session = await inject('POST', `/v1/widgets/${widget.id}/sessions`, { contact: { email } });
      await inject('POST', `/v1/inbox/${session.conversationId}/messages`, { text: 'Mailed through the configured server' }, admin);
      const mail = await waitForMail(email);
      expect(mail.from).toBe('support@example.com');
      expect(mail.raw).toContain('Mailed through the configured server');
      await services.desk.idle();
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
