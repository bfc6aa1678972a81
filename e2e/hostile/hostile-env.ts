import { CONSOLE_ADMIN_ENV, DEMO_ADMIN, NO_VOLUME_LIMITS, startWidgetEnv, type WidgetEnv } from '@parley/testkit';
import { batchesOf, fit, fitTrimmed, hostileCorpus, hostilePayloads, wellFormed } from './corpus.js';
import { richPack, startHostileBot, type HostileBot } from './hostile-bot.js';

/** Strings per conversation: each conversation stays under the 50 messages the widget and the console show at once. */
export const BATCH = 18;
/** Uploads per conversation, under the 50 messages shown at once. */
const UPLOADS = 40;

/** A text the page must show: `plain` as it is (less whitespace), `markdown` less what Markdown may consume. */
export interface Shown {
  readonly slot: string;
  readonly text: string;
  readonly kind: 'plain' | 'markdown';
}

/** One conversation, with the session the widget resumes and what its page must show. */
export interface HostileConversation {
  readonly widgetId: string;
  readonly conversationId: string;
  readonly token: string;
  readonly expiresAt: string;
  /** The last message: once it shows, every other one has arrived. */
  readonly sentinel: string;
  readonly widgetShows: readonly Shown[];
  readonly consoleShows: readonly Shown[];
  /** Markers of refused requests (NUL, over-long): no page may show them. */
  readonly hidden?: readonly string[];
}

export interface HostileEnv {
  readonly env: WidgetEnv;
  readonly bot: HostileBot;
  readonly corpusSize: number;
  /** One per batch (texts, rich messages, contact, meta, note), then the uploads' conversations. */
  readonly conversations: readonly HostileConversation[];
  /** Requests the server answered outside 2xx and 400 (a 5xx, an unexpected refusal), each in a line. */
  readonly unexpected: readonly string[];
  close(): Promise<void>;
}

interface Answer {
  readonly status: number;
  // The server's own answers, read loosely in a test fixture; each use states the shape it expects.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
}

/** The agent whose name is a payload too: it writes every agent message, note and upload. */
const AGENT = {
  email: 'hostile-agent@example.com',
  password: 'hostile-agent-password',
  name: `<img src=x onerror=__pwned('agent-name')> "Sam" \u202eevil`,
};

/**
 * The built server with the console admin, a generic webhook bot scripted by the test, a hostile-named
 * agent, and every string of the corpus sent through every slot: per batch one widget (its name, title,
 * intro and placeholder), a conversation of texts (contact name, meta, one visitor message and one agent
 * message per string, a note of all), and a conversation of rich messages (the bot's text, quick
 * replies, card, carousel, form and files, and one agent upload per string named by it).
 */
export async function startHostileEnv(): Promise<HostileEnv> {
  // Hundreds of messages, sessions and uploads from one address within a minute: what the suite tests is
  // rendering, so the volume limits (docs/deploy.md, PARLEY_LIMIT_*) are off on its server.
  const [env, bot] = await Promise.all([startWidgetEnv({ ...CONSOLE_ADMIN_ENV, ...NO_VOLUME_LIMITS }), startHostileBot()]);
  const unexpected: string[] = [];
  const call = async (method: string, path: string, token: string, body?: unknown, raw?: Buffer): Promise<Answer> => {
    const response = await fetch(`${env.serverUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(raw !== undefined
          ? { 'content-type': 'application/octet-stream' }
          : body === undefined
            ? {}
            : { 'content-type': 'application/json' }),
      },
      ...(raw !== undefined ? { body: new Blob([new Uint8Array(raw)]) } : body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const json: unknown = text === '' ? undefined : JSON.parse(text);
    if (response.status >= 300 && response.status !== 400) unexpected.push(`${method} ${path} → ${response.status}: ${text.slice(0, 300)}`);
    return { status: response.status, json };
  };
  try {
    const login = await call('POST', '/v1/auth/login', '', DEMO_ADMIN);
    const admin = String(login.json.token);
    const created = await call('POST', '/v1/bots', admin, {
      kind: 'webhook',
      name: `<svg onload=__pwned('bot-name')> bot`,
      config: { url: bot.url, flavor: 'generic', allowPrivateNetwork: true },
    });
    await call('POST', '/v1/agents', admin, { ...AGENT, role: 'admin' });
    const agent = String((await call('POST', '/v1/auth/login', '', { email: AGENT.email, password: AGENT.password })).json.token);
    const corpus = hostileCorpus();
    const seed: SeedContext = { call, admin, agent, botId: String(created.json.id), bot, fileUrl: `${env.hostUrl}/file.pdf` };
    // The texts and rich messages per batch of the whole corpus; uploads for our own payloads (blns
    // adds nothing there that the bot's file names do not already cover, and each upload costs a request).
    // PARLEY_HOSTILE_ONLY=7,u0 seeds only batch 7 and uploads 0: to look again at what a failure names.
    const only = process.env['PARLEY_HOSTILE_ONLY']?.split(',');
    const jobs = [
      ...batchesOf(corpus, BATCH).map((strings, index) => [`${index}`, () => seedBatch(seed, index, strings)] as const),
      ...batchesOf(hostilePayloads(), UPLOADS).map((strings, index) => [`u${index}`, () => seedUploads(seed, index, strings)] as const),
    ]
      .filter(([name]) => only === undefined || only.includes(name))
      .map(([, job]) => job);
    const conversations: HostileConversation[] = [];
    // A few at a time: the server overlaps their requests, and their order does not matter.
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let at = next++; at < jobs.length; at = next++)
        conversations[at] = await (jobs[at] ?? (() => Promise.reject(new Error('no job'))))();
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    return {
      env,
      bot,
      corpusSize: corpus.length,
      conversations,
      unexpected,
      async close() {
        await env.close();
        await bot.close();
      },
    };
  } catch (error) {
    await env.close();
    await bot.close();
    throw error;
  }
}

interface SeedContext {
  readonly call: (method: string, path: string, token: string, body?: unknown, raw?: Buffer) => Promise<Answer>;
  readonly admin: string;
  readonly agent: string;
  readonly botId: string;
  readonly bot: HostileBot;
  readonly fileUrl: string;
}

async function seedBatch(context: SeedContext, index: number, strings: readonly string[]): Promise<HostileConversation> {
  const { call, agent } = context;
  const widgetId = await createWidget(context, strings);
  const widgetShows: Shown[] = [
    { slot: 'widget title', text: fit(strings[0] ?? '', 120), kind: 'plain' },
    { slot: 'widget intro', text: fit(strings.join('\n'), 2000), kind: 'plain' },
    { slot: 'widget placeholder', text: fit(strings[1] ?? '', 200), kind: 'plain' },
  ];
  // One request seeds the visitor's texts (one message each) and the trigger of the bot's pack.
  const trigger = `hostile pack ${index}`;
  context.bot.plan(trigger, richPack(strings, context.fileUrl));
  const said = strings.filter((text) => text.trim() !== '');
  const meta = Object.fromEntries(strings.map((text, at) => [`hostile_${at}`, fit(text, 500)]));
  const contact = fitTrimmed(strings[0] ?? '', 200);
  const session = await openSession(context, widgetId, {
    contact: { name: contact, email: `visitor${index}@example.com` },
    meta,
    messages: [...said, trigger].map((text) => ({ type: 'user', text })),
  });
  const path = `/v1/conversations/${session.conversationId}`;
  // Blank texts are refused by design: a clean 400 with an error code, never stored.
  for (const text of strings.filter((text) => text.trim() === '')) {
    expectRefused(
      await call('POST', `${path}/messages`, session.token, { text }),
      `batch ${index} blank visitor text ${JSON.stringify(text)}`,
    );
  }
  // The bot's turn may end after the session is answered: the agent takes over only once its pack is stored.
  for (let tries = 0; ; tries++) {
    const stored = await call('GET', `${path}/messages?limit=100`, session.token);
    const files = ((stored.json?.items ?? []) as { type: string }[]).filter((message) => message.type === 'file').length;
    if (files === strings.length) break;
    if (tries > 300) throw new Error(`batch ${index}: the bot's pack never arrived (${files} files)`);
    await new Promise((done) => setTimeout(done, 100));
  }
  // The agent's reply and note hold every string; the reply's first line is the batch's sentinel.
  const sentinel = `End of hostile batch ${index}.`;
  const joined = fit(strings.join('\n\n'), 7900);
  await call('POST', `/v1/inbox/${session.conversationId}/notes`, agent, { text: joined });
  await call('POST', `/v1/inbox/${session.conversationId}/messages`, agent, { text: `${sentinel}\n\n${joined}` });
  const labels = strings.map((text) => fit(text, 200));
  const texts: Shown[] = [
    ...said.map((text): Shown => ({ slot: 'visitor text', text: text.trim(), kind: 'markdown' })),
    ...pieces('agent text', joined),
  ];
  const fileNames = strings.map((text): Shown => ({ slot: 'bot file name', text: fit(text, 500), kind: 'plain' }));
  return {
    widgetId,
    ...session,
    sentinel,
    widgetShows: [
      ...widgetShows,
      ...texts,
      ...pieces('bot text', fit(strings.join('\n\n'), 8000)),
      ...labels.map((text): Shown => ({ slot: 'bot label (quick reply, card button, form label)', text, kind: 'plain' })),
      ...strings.map((text): Shown => ({ slot: 'carousel card title', text: fit(text, 500), kind: 'plain' })),
      ...fileNames,
    ],
    consoleShows: [
      ...texts,
      ...fileNames,
      ...pieces('note', joined),
      { slot: 'contact name', text: contact, kind: 'plain' },
      ...Object.values(meta).map((text): Shown => ({ slot: 'session meta', text, kind: 'plain' })),
    ],
  };
}

/** A text that joins several strings, checked string by string: the page may put a line of its own between paragraphs. */
function pieces(slot: string, joined: string): Shown[] {
  return joined
    .split('\n\n')
    .filter((piece) => piece.trim() !== '')
    .map((text) => ({ slot, text, kind: 'markdown' }));
}

/** Agent uploads named by each string (the file-name slot: stored, listed, served with a Content-Disposition). */
async function seedUploads(context: SeedContext, index: number, strings: readonly string[]): Promise<HostileConversation> {
  const widgetId = await createWidget(context, strings);
  const session = await openSession(context, widgetId, { messages: [{ type: 'user', text: `uploads ${index}` }] });
  const shows: Shown[] = [];
  for (const [at, text] of strings.entries()) {
    const name = wellFormed(fit(text, 200));
    const query = `name=${encodeURIComponent(name)}&clientId=hostile-upload-${index}-${at}`;
    const sent = await context.call(
      'POST',
      `/v1/inbox/${session.conversationId}/files?${query}`,
      context.agent,
      undefined,
      Buffer.from('hostile\n'),
    );
    if (name.trim() === '') expectRefused(sent, `upload ${index}-${at} blank name`);
    else shows.push({ slot: 'upload name', text: String(sent.json.message.payload.name), kind: 'plain' });
  }
  const hidden = index === 0 ? await refusals(context, widgetId, session) : [];
  const sentinel = `End of hostile uploads ${index}.`;
  await context.call('POST', `/v1/inbox/${session.conversationId}/messages`, context.agent, { text: sentinel });
  return { widgetId, ...session, sentinel, widgetShows: shows, consoleShows: shows, hidden };
}

/**
 * NUL characters and over-long texts are refused by design, in every slot: a clean 400 with
 * PARLEY_ERR_REQUEST_VALIDATION naming the field, nothing stored. Each carries a marker that the
 * pages must never show. Returns the markers.
 */
async function refusals(context: SeedContext, widgetId: string, session: { conversationId: string; token: string }): Promise<string[]> {
  const { call, agent, admin } = context;
  const id = session.conversationId;
  const marker = (n: number) => `refused-marker-${n}`;
  const nul = (n: number) => `${marker(n)} a\u0000b`;
  const long = (n: number, max: number) => `${marker(n)} ${'x'.repeat(max)}`;
  const attempts: [string, Promise<Answer>][] = [
    ['visitor text with NUL', call('POST', `/v1/conversations/${id}/messages`, session.token, { text: nul(1) })],
    ['visitor text over 8000', call('POST', `/v1/conversations/${id}/messages`, session.token, { text: long(2, 8000) })],
    ['agent text with NUL', call('POST', `/v1/inbox/${id}/messages`, agent, { text: nul(3) })],
    ['agent text over 8000', call('POST', `/v1/inbox/${id}/messages`, agent, { text: long(4, 8000) })],
    ['note with NUL', call('POST', `/v1/inbox/${id}/notes`, agent, { text: nul(5) })],
    ['contact name with NUL', call('POST', `/v1/conversations/${id}/contact`, session.token, { email: 'a@example.com', name: nul(6) })],
    [
      'contact name over 200',
      call('POST', `/v1/conversations/${id}/contact`, session.token, { email: 'a@example.com', name: long(7, 200) }),
    ],
    ['session meta with NUL', call('POST', `/v1/widgets/${widgetId}/sessions`, '', { meta: { m: nul(8) } })],
    ['session meta over 500', call('POST', `/v1/widgets/${widgetId}/sessions`, '', { meta: { m: long(9, 500) } })],
    ['widget title with NUL', call('PATCH', `/v1/widgets/${widgetId}`, admin, { title: nul(10) })],
    ['widget title over 120', call('PATCH', `/v1/widgets/${widgetId}`, admin, { title: long(11, 120) })],
    ['upload name with NUL', call('POST', `/v1/inbox/${id}/files?name=${marker(12)}%00.txt`, agent, undefined, Buffer.from('x\n'))],
    ['upload name over 200', call('POST', `/v1/inbox/${id}/files?name=${long(13, 200)}`, agent, undefined, Buffer.from('x\n'))],
  ];
  for (const [what, answer] of attempts) {
    const refused = await answer;
    if (refused.status !== 400 || refused.json?.error?.code !== 'PARLEY_ERR_REQUEST_VALIDATION') {
      throw new Error(`${what}: expected 400 PARLEY_ERR_REQUEST_VALIDATION, got ${refused.status} ${JSON.stringify(refused.json)}`);
    }
  }
  return attempts.map((_, at) => marker(at + 1));
}

/** A widget per batch: its name (the console's lists) and its texts (title, intro, placeholder) are the batch's strings. */
async function createWidget(context: SeedContext, strings: readonly string[]): Promise<string> {
  const widget = await context.call('POST', '/v1/widgets', context.admin, {
    name: fitTrimmed(strings[0] ?? '', 120),
    botId: context.botId,
    title: fit(strings[0] ?? '', 120),
    intro: fit(strings.join('\n'), 2000),
    placeholder: fit(strings[1] ?? '', 200),
  });
  return String(widget.json.id);
}

async function openSession(context: SeedContext, widgetId: string, body: unknown) {
  const session = await context.call('POST', `/v1/widgets/${widgetId}/sessions`, '', body);
  if (session.status !== 201) throw new Error(`session refused: ${JSON.stringify(session.json)}`);
  return {
    conversationId: String(session.json.conversationId),
    token: String(session.json.token),
    expiresAt: String(session.json.expiresAt),
  };
}

/** Blank texts and names are refused by design: a clean 400 with an error code, never stored. */
function expectRefused(answer: Answer, what: string): void {
  if (answer.status !== 400 || typeof answer.json?.error?.code !== 'string') {
    throw new Error(`${what}: expected a 400 with an error code, got ${answer.status} ${JSON.stringify(answer.json)}`);
  }
}
