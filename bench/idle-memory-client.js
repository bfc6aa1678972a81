// The idle-memory bench's load generator, in its own process: opens one WebSocket per URL (a file of JSON lines
// given as argv[2]), says hello, waits for each welcome, prints {"ready":n} and then holds the sockets idle
// (answering pings, as browsers do) until its stdin closes.
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';

const urls = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const CONCURRENCY = 200;

function connect(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 })));
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code} before welcome`)));
    socket.on('message', (data) => {
      if (JSON.parse(data.toString()).type !== 'welcome') return;
      socket.removeAllListeners('close');
      socket.on('close', (code) => console.error(`idle socket closed with ${code}`));
      resolve(socket);
    });
  });
}

const sockets = [];
let next = 0;
async function worker() {
  while (next < urls.length) sockets.push(await connect(urls[next++]));
}
await Promise.all(Array.from({ length: Math.min(CONCURRENCY, urls.length) }, worker));
console.log(JSON.stringify({ ready: sockets.length }));
process.stdin.resume();
process.stdin.on('end', () => {
  for (const socket of sockets) socket.terminate();
  process.exit(0);
});
