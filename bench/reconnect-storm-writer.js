// Writes what the visitors have not seen while the node is down: one bot message per conversation, stored by the
// server's own engine (packages/server/dist, the same group-committed append a live bot reply takes) on the node's
// SQLite data directory. No port is opened. Prints {"targets": {conversationId: seq}}: a visitor of the
// reconnect-storm bench counts as caught up once it holds that seq.
//   node bench/reconnect-storm-writer.js <data dir> <file: JSON array of [conversationId, botId]>
import { readFileSync } from 'node:fs';
import { buildApp, loadConfig } from '@parley/server';

const [dataDir, file] = process.argv.slice(2);
const conversations = JSON.parse(readFileSync(file, 'utf8'));
const { app, services } = await buildApp(loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent' }), { logger: false });
const targets = {};
const IN_FLIGHT = 500; // appends given to the writer at once: its group commit stores them in a few transactions
for (let i = 0; i < conversations.length; i += IN_FLIGHT) {
  await Promise.all(
    conversations.slice(i, i + IN_FLIGHT).map(async ([conversationId, botId]) => {
      const { message } = await services.engine.append({
        conversationId,
        author: { role: 'bot', id: botId, name: 'storm bench' },
        type: 'text',
        text: `written while the node was down (${new Date().toISOString()})`,
      });
      targets[conversationId] = message.seq;
    }),
  );
}
await app.close();
process.stdout.write(`${JSON.stringify({ targets })}\n`);
