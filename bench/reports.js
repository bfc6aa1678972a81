// Reports bench (issue 16, point 4): one million messages in 100,000 conversations over a year, with the events
// and report rows the server would have recorded for them (hourly counts and rollups included), seeded on SQLite and on PostgreSQL (each in a store of
// its own, removed after). Then every /v1/reports/* answer for the whole year, for one widget (half the traffic)
// and for all widgets, through the real HTTP handler (app.inject): the median of BENCH_REPORTS_ROUNDS runs after
// a warm-up, against the 200 ms target. Reports read report_rollups, report_conversations and events, never
// messages: the messages are seeded so the tables are the size they would be. Prints the seeding time too.
// BENCH_REPORTS_CONVERSATIONS scales it down for a quick look (10 messages each); BENCH_REPORTS_KEEP=1 keeps the
// seeded stores (SQLite data dir, PostgreSQL schema; printed) for a look at the query plans.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { buildApp, loadConfig, RollupDeltas } from '@parley/server';

const CONVERSATIONS = Number(process.env.BENCH_REPORTS_CONVERSATIONS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_REPORTS_ROUNDS ?? 5);
const MESSAGES_EACH = 10;
const TARGET_MS = 200;
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';
const POSTGRES_URL = process.env.PARLEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const YEAR_START = Date.parse('2025-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
// BENCH_REPORTS_TIME_ZONE: Asia/Kolkata times a zone whose offset is not whole hours (the hours split at :30).
const PERIOD = `from=2025-01-01&to=2025-12-31&timeZone=${process.env.BENCH_REPORTS_TIME_ZONE ?? 'Europe/Paris'}`;
const REPORTS = ['summary', 'response-times', 'csat', 'csat/comments', 'busiest-hours', 'unanswered', 'abandoned'];
const HOUR_MS = 3_600_000;

/** A deterministic generator, so both databases hold the same year. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const id = (prefix, n) => `${prefix}_${String(n).padStart(26, '0')}`;
const iso = (ms) => new Date(ms).toISOString();

/** The year's rows, generated a slice of conversations at a time (so memory stays flat), and the hourly counts. */
function* year(widgetIds) {
  const next = random(16);
  const teams = ['team_A', 'team_B'];
  const agents = Array.from({ length: 10 }, (_, i) => id('agt', i + 1));
  let eventNo = 0;
  const counts = new Map();
  // report_rollups (migration 0013), by the recorder's own rule: each event and each conversation row added.
  const rollups = new RollupDeltas();
  const count = (type, widget, at) => {
    const hour = Math.floor(at / HOUR_MS);
    for (const w of [widget, '']) {
      const key = `${type}|${w}|${hour}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    rollups.addEvent(type, widget, iso(at));
  };
  const SLICE = 2000;
  for (let from = 0; from < CONVERSATIONS; from += SLICE) {
    const rows = { conversations: [], messages: [], events: [], report_conversations: [] };
    for (let i = from; i < Math.min(CONVERSATIONS, from + SLICE); i++) {
      // Starts spread over the year, busier on weekday afternoons (rejection sampling on the hour).
      let start;
      do start = YEAR_START + Math.floor((i / CONVERSATIONS) * YEAR_MS + next() * (YEAR_MS / CONVERSATIONS));
      while (next() > 0.4 + 0.6 * Math.sin((((start / HOUR_MS) % 24) / 24) * Math.PI));
      // Half the traffic on the first widget, the rest spread over the others.
      const widget = next() < 0.5 ? widgetIds[0] : widgetIds[1 + Math.floor(next() * (widgetIds.length - 1))];
      const conversation = id('conv', i + 1);
      const handed = next() < 0.4;
      const answered = handed && next() < 0.95;
      const team = handed ? teams[Math.floor(next() * teams.length)] : null;
      const agent = answered ? agents[Math.floor(next() * agents.length)] : null;
      const handoffAt = handed ? start + 2 * 60_000 : null;
      const firstResponseS = answered ? 10 + Math.floor(next() * 590) : null;
      const resolved = handed ? answered && next() < 0.9 : next() < 0.85;
      const resolutionS = resolved ? 300 + Math.floor(next() * 3300) : null;
      const rated = resolved && next() < 0.3;
      const score = rated ? 1 + Math.floor(next() ** 0.5 * 5) : null;
      const comment = rated && next() < 0.2 ? `comment ${i}` : null;
      rows.conversations.push({
        id: conversation,
        widget_id: widget,
        contact_id: null,
        status: resolved ? 'resolved' : 'open',
        identity_user_id: null,
        meta: '{}',
        last_seq: MESSAGES_EACH,
        created_at: iso(start),
        updated_at: iso(start + (resolutionS ?? 600) * 1000),
      });
      const event = (type, at, extra = {}) => {
        eventNo += 1;
        rows.events.push({
          id: id('evt', eventNo),
          type,
          at: iso(at),
          widget_id: widget,
          conversation_id: conversation,
          contact_id: null,
          team_id: team,
          agent_id: type === 'agent_message' || type === 'first_human_response' ? agent : null,
          bot_id: 'bot_bench',
          message_id: null,
          value: null,
          ...extra,
        });
        count(type, widget, at);
      };
      event('session_started', start);
      let lastVisitor = null;
      let firstAgent = null;
      for (let seq = 1; seq <= MESSAGES_EACH; seq++) {
        const ratingMessage = rated && seq === MESSAGES_EACH;
        // After the handoff (from the 5th message), the agent answers where the bot did.
        const role = ratingMessage || seq % 2 === 1 ? 'visitor' : handed && seq > 4 ? (answered ? 'agent' : 'system') : 'bot';
        let at = start + seq * 20_000;
        if (role === 'agent' && firstAgent === null) {
          at = handoffAt + firstResponseS * 1000;
          firstAgent = at;
        } else if (firstAgent !== null) at = firstAgent + seq * 20_000;
        if (ratingMessage) at = start + (resolutionS + 60) * 1000;
        const message = id('msg', i * MESSAGES_EACH + seq);
        rows.messages.push({
          id: message,
          conversation_id: conversation,
          seq,
          author_role: role,
          author_id: role === 'agent' ? agent : role === 'bot' ? 'bot_bench' : conversation,
          author_name: role,
          type: ratingMessage ? 'event' : 'text',
          text: ratingMessage ? `rated ${score}` : `message ${seq} of ${i}`,
          payload: ratingMessage ? JSON.stringify({ event: 'rating', score, comment }) : null,
          client_id: null,
          created_at: iso(at),
        });
        if (ratingMessage) event('rated', at, { message_id: message, value: score });
        else if (role === 'visitor') {
          event('visitor_message', at, { message_id: message });
          lastVisitor = at;
        } else if (role === 'bot') event('bot_answered', at, { message_id: message });
        else if (role === 'agent') event('agent_message', at, { message_id: message });
      }
      if (handed) event('handoff_asked', handoffAt);
      if (answered) event('first_human_response', firstAgent, { value: firstResponseS });
      if (resolved) event('resolved', start + resolutionS * 1000, { value: resolutionS });
      const fact = {
        conversation_id: conversation,
        widget_id: widget,
        team_id: team,
        agent_id: agent,
        bot_id: 'bot_bench',
        started_at: iso(start),
        started_bucket: Math.floor(start / 900_000),
        handoff_at: handoffAt === null ? null : iso(handoffAt),
        first_response_at: firstAgent === null ? null : iso(firstAgent),
        first_response_s: firstResponseS,
        first_response_bh_s: firstResponseS,
        resolved_at: resolved ? iso(start + resolutionS * 1000) : null,
        resolution_s: resolutionS,
        resolution_bh_s: resolutionS,
        resolved: resolved ? 1 : 0,
        reopened: 0,
        last_visitor_at: lastVisitor === null ? null : iso(lastVisitor),
        rating: score,
        rated_at: rated ? iso(start + (resolutionS + 60) * 1000) : null,
        rating_commented: comment === null ? 0 : 1,
        rating_message_id: rated ? id('msg', i * MESSAGES_EACH + MESSAGES_EACH) : null,
      };
      rows.report_conversations.push(fact);
      rollups.addFact(fact, 1);
    }
    yield rows;
  }
  const countRows = [...counts].map(([key, n]) => {
    const [type, widget_id, hour] = key.split('|');
    return { type, widget_id, hour: Number(hour), n };
  });
  yield { report_counts: countRows, report_rollups: rollups.changed() };
}

/** Multi-row inserts, as many rows per statement as the parameter limit allows (SQLite 32,766, PostgreSQL 65,535). */
async function insertAll(db, table, rows, maxParams) {
  if (rows.length === 0) return;
  const per = Math.max(1, Math.floor(maxParams / Object.keys(rows[0]).length));
  for (let i = 0; i < rows.length; i += per)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + per))
      .execute();
}

async function inject(app, url) {
  const response = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
  if (response.statusCode !== 200) throw new Error(`GET ${url} → ${response.statusCode} ${response.body}`);
  return response;
}

async function benchDialect(dialect) {
  const dataDir = mkdtempSync(join(tmpdir(), `parley-reports-bench-${dialect}-`));
  const schema = `parley_reports_bench_${process.pid}`;
  const env = {
    PARLEY_DATA_DIR: dataDir,
    PARLEY_ADMIN_KEY: ADMIN_KEY,
    PARLEY_LOG_LEVEL: 'silent',
    ...(dialect === 'postgres' ? { PARLEY_DATABASE_URL: POSTGRES_URL, PARLEY_DATABASE_SCHEMA: schema } : {}),
  };
  const { app, services } = await buildApp(loadConfig(env), { logger: false });
  try {
    const post = async (url, payload) => {
      const response = await app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      if (response.statusCode !== 201) throw new Error(`POST ${url} → ${response.statusCode} ${response.body}`);
      return response.json();
    };
    const bot = await post('/v1/bots', { kind: 'builtin', name: 'bench', config: {} });
    const widgetIds = [];
    for (let w = 0; w < 5; w++) widgetIds.push((await post('/v1/widgets', { name: `reports bench ${w}`, botId: bot.id })).id);

    const { db } = services.database;
    const maxParams = dialect === 'postgres' ? 65_000 : 32_000;
    const seedStarted = performance.now();
    const totals = {};
    for (const rows of year(widgetIds)) {
      await db.transaction().execute(async (trx) => {
        for (const [table, list] of Object.entries(rows)) {
          await insertAll(trx, table, list, maxParams);
          totals[table] = (totals[table] ?? 0) + list.length;
        }
      });
    }
    const seedMs = performance.now() - seedStarted;
    const analyzeStarted = performance.now();
    // What the operator's database does by itself soon after such a load (autovacuum / PRAGMA optimize).
    if (dialect === 'postgres') {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`set search_path to "${schema}"`);
      await client.query('vacuum analyze');
      await client.end();
    } else {
      // A raw compiled query: the bench reaches Kysely only through the server's services.
      await db.executeQuery({
        sql: 'analyze',
        parameters: [],
        query: { kind: 'RawNode', sqlFragments: ['analyze'], parameters: [] },
        queryId: { queryId: 'analyze' },
      });
    }
    const analyzeMs = performance.now() - analyzeStarted;

    const timings = [];
    for (const report of REPORTS) {
      for (const [scope, filter] of [
        ['one widget', `&widgetId=${widgetIds[0]}`],
        ['all widgets', ''],
      ]) {
        const url = `/v1/reports/${report}?${PERIOD}${filter}`;
        await inject(app, url);
        const samples = [];
        const cpu = [];
        for (let r = 0; r < ROUNDS; r++) {
          const started = performance.now();
          const used = process.cpuUsage();
          await inject(app, url);
          const spent = process.cpuUsage(used);
          samples.push(performance.now() - started);
          cpu.push((spent.user + spent.system) / 1000);
        }
        const median = (list) => +[...list].sort((a, b) => a - b)[Math.floor(list.length / 2)].toFixed(1);
        const ms = median(samples);
        // This process's CPU time: all of a report on SQLite (better-sqlite3 runs in this thread); on
        // PostgreSQL only the Node side (the query runs in the database's process). A busy machine inflates
        // wall time far more than CPU time.
        timings.push({
          dialect,
          report,
          scope,
          medianMs: ms,
          maxMs: median([Math.max(...samples)]),
          nodeCpuMs: median(cpu),
          underTarget: ms < TARGET_MS,
        });
      }
    }
    const summary = JSON.parse((await inject(app, `/v1/reports/summary?${PERIOD}`)).body);
    return {
      dialect,
      seeded: totals,
      seedSeconds: +(seedMs / 1000).toFixed(1),
      analyzeSeconds: +(analyzeMs / 1000).toFixed(1),
      check: { conversations: summary.conversations, messages: summary.messages, handedToHuman: summary.handedToHuman },
      timings,
    };
  } finally {
    await app.close();
    if (process.env.BENCH_REPORTS_KEEP === '1') {
      console.log(`reports bench [${dialect}]: kept ${dialect === 'postgres' ? `schema ${schema}` : dataDir}`);
    } else {
      rmSync(dataDir, { recursive: true, force: true });
    }
    if (dialect === 'postgres' && process.env.BENCH_REPORTS_KEEP !== '1') {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    }
  }
}

export async function runReportsBench() {
  const results = [];
  for (const dialect of (process.env.BENCH_REPORTS_DIALECTS ?? 'sqlite,postgres').split(',')) {
    const result = await benchDialect(dialect);
    console.log(
      `reports bench [${dialect}]: seeded ${Object.entries(result.seeded)
        .map(([table, n]) => `${n.toLocaleString('en')} ${table}`)
        .join(', ')} in ${result.seedSeconds} s (+ analyze ${result.analyzeSeconds} s); check ${JSON.stringify(result.check)}`,
    );
    console.table(result.timings);
    results.push(result);
  }
  const slowest = Math.max(...results.flatMap((r) => r.timings.map((t) => t.medianMs)));
  const report = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    conversations: CONVERSATIONS,
    targetMs: TARGET_MS,
    loadAverage: (await import('node:os')).loadavg(),
    verdict:
      slowest < TARGET_MS
        ? `every report under ${TARGET_MS} ms (slowest ${slowest} ms)`
        : `slowest report ${slowest} ms: over ${TARGET_MS} ms`,
    results,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(new URL('./results/reports.json', import.meta.url), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`${report.verdict}; written to bench/results/reports.json`);
}

if (import.meta.url === `file://${process.argv[1]}`) await runReportsBench();
