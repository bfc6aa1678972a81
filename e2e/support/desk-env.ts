import { ADMIN_KEY, assertConsoleBuilt, CONSOLE_ADMIN_ENV, freePort, launchBrowser, startWidgetEnv } from '@parley/testkit';
import type { Browser } from 'playwright-core';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  readonly to: readonly string[];
  readonly raw: string;
}

export interface DeskEnv {
  /** The Parley server (and the console, at /console), at its default public URL. */
  readonly serverUrl: string;
  /** Host pages on another origin: `hostPage(widgetId)` is examples/script-tag.html embedding that widget. */
  hostPage(widgetId: string): string;
  /** The widget created on first start (answered by the built-in FAQ bot). */
  readonly demoWidgetId: string;
  /** Every mail the test's SMTP server accepted. */
  readonly mails: ReceivedMail[];
  /** The REST API with the admin key, or with an agent's login token. */
  api<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string): Promise<T>;
  /** A new widget answered by the demo widget's bot, with `settings` (the admin API's POST /v1/widgets body); its id. */
  createWidget(settings: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

/**
 * The widget environment (the built server as `npm start` runs it, host pages on another origin under a
 * strict Content-Security-Policy) with a real SMTP server (smtp-server) behind PARLEY_SMTP_URL and
 * PARLEY_MAIL_DELAY_MS shortened. `serverEnv` adds to the server's environment (a translator, say).
 */
export async function startDeskEnv(serverEnv: Readonly<Record<string, string>> = {}): Promise<DeskEnv> {
  const mails: ReceivedMail[] = [];
  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, done) {
      let raw = '';
      stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      stream.on('end', () => {
        mails.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), raw });
        done();
      });
    },
  });
  const smtpPort = await freePort();
  await new Promise<void>((done) => smtp.listen(smtpPort, '127.0.0.1', done));
  const env = await startWidgetEnv({
    ...CONSOLE_ADMIN_ENV,
    PARLEY_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
    PARLEY_MAIL_FROM: 'Parley <support@example.com>',
    // Replies unread for a second (not the production minute) are mailed.
    PARLEY_MAIL_DELAY_MS: '1000',
    ...serverEnv,
  });

  let demoBotId: Promise<unknown> | undefined;
  const desk: DeskEnv = {
    serverUrl: env.serverUrl,
    demoWidgetId: env.widgetId,
    mails,
    hostPage: (widgetId) => `${env.hostUrl}/script-tag.html?widget=${widgetId}`,
    async api<T>(method: string, path: string, body?: unknown, token = ADMIN_KEY): Promise<T> {
      const response = await fetch(`${env.serverUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text === '' ? undefined : JSON.parse(text)) as T;
    },
    async createWidget(settings) {
      demoBotId ??= desk.api('GET', `/v1/widgets/${env.widgetId}`).then((widget) => widget['botId']);
      return (await desk.api<{ id: string }>('POST', '/v1/widgets', { botId: await demoBotId, ...settings })).id;
    },
    async close() {
      await env.close();
      await new Promise<void>((done) => smtp.close(() => done()));
    },
  };
  return desk;
}

/** What a console e2e file on the desk environment works with. */
export interface DeskE2e {
  readonly env: DeskEnv;
  readonly browser: Browser;
  /** Closes the browser, then the environment. */
  close(): Promise<void>;
}

/**
 * The set-up the console e2e files on the desk environment share: refuses to start without a build, then the
 * environment (`serverEnv` added to its server's) and a Chromium (launched with `browserArgs`: fake media, say).
 */
export async function startDeskE2e(
  options: { serverEnv?: Readonly<Record<string, string>>; browserArgs?: readonly string[] } = {},
): Promise<DeskE2e> {
  assertConsoleBuilt();
  const [env, browser] = await Promise.all([startDeskEnv(options.serverEnv), launchBrowser(options.browserArgs)]);
  return {
    env,
    browser,
    close: async () => {
      await browser.close();
      await env.close();
    },
  };
}
