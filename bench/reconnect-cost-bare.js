// The reconnect-cost bench's baseline (bench/reconnect-cost.js): a bare `ws` server that answers a reconnect the way
// Parley's protocol does, with nothing behind it — a welcome and one stored message, after the client's hello frame or,
// when the URL names lastSeq, right after the handshake. Prints {"port": n} once listening.
import { WebSocketServer } from 'ws';

const WELCOME = JSON.stringify({
  type: 'welcome',
  v: 1,
  conversationId: 'conv_01KBENCHBENCHBENCHBENCHBENCH',
  lastSeq: 1,
  heartbeatMs: 25_000,
  status: { owner: 'bot', agentName: null },
  presence: { agentsOnline: 0, replyTimeMs: null },
});
const MESSAGE = JSON.stringify({
  type: 'message',
  message: {
    id: 'msg_01KBENCHBENCHBENCHBENCHBENCH',
    conversationId: 'conv_01KBENCHBENCHBENCHBENCHBENCH',
    seq: 1,
    clientId: null,
    author: { role: 'bot', id: 'bot_01KBENCHBENCHBENCHBENCHBENCH', name: 'storm bench' },
    type: 'text',
    text: 'written while the node was down (2026-12-08T03:00:00.000Z)',
    createdAt: '2026-12-08T03:00:00.000Z',
  },
});

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
const answer = (socket) => {
  socket.send(WELCOME);
  socket.send(MESSAGE);
};
server.on('connection', (socket, request) => {
  if (request.url?.includes('lastSeq=')) return answer(socket);
  socket.once('message', () => answer(socket));
});
server.on('listening', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
