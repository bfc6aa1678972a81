// The servers the public-config bench measures Parley against, each in its own process so that it has a core
// to itself while the load generator has the other: `bare` is node:http answering Parley's very bytes (body
// and headers); `canned` is a `net` server that does not even parse HTTP — the load generator's ceiling.
// Usage: node bench/public-config-peer.js bare|canned <json file with { body, headers }>. Prints { port }.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { startCannedServer } from './http-load.js';

const [kind, file] = process.argv.slice(2);
const { body, headers } = JSON.parse(readFileSync(file, 'utf8'));
const bytes = Buffer.from(body);

const server =
  kind === 'canned'
    ? await startCannedServer(body)
    : await new Promise((resolve) => {
        const bare = createServer((_req, res) => res.writeHead(200, { ...headers, 'content-length': bytes.length }).end(bytes));
        bare.listen(0, '127.0.0.1', () => resolve(bare));
      });
console.log(JSON.stringify({ port: server.address().port }));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
