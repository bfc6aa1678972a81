// The bare `ws` relay that the gateway bench measures Parley against. It runs in its own process so its
// memory can be read apart from the load generator's. It speaks the same JSON framing shape as Parley
// (hello → welcome, send → ack to the sender and message to the peer) but stores nothing and checks nothing.
import { WebSocketServer } from 'ws';

/** pair id → the sockets that joined it (a visitor and an agent; any number for idle connections). */
const pairs = new Map();
let seq = 0;

function join(pairId, socket) {
  let members = pairs.get(pairId);
  if (!members) pairs.set(pairId, (members = new Set()));
  members.add(socket);
  socket.on('close', () => {
    members.delete(socket);
    if (members.size === 0) pairs.delete(pairId);
  });
  return members;
}

function relay(members, socket, frame) {
  seq += 1;
  socket.send(JSON.stringify({ type: 'ack', clientId: frame.clientId, seq, messageId: `m${seq}`, duplicate: false }));
  const message = JSON.stringify({ type: 'message', message: { id: `m${seq}`, seq, text: frame.text } });
  for (const peer of members) if (peer !== socket) peer.send(message);
}

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket, request) => {
  const members = join(new URL(request.url, 'http://relay').searchParams.get('pair') ?? '', socket);
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'hello')
      socket.send(JSON.stringify({ type: 'welcome', v: 1, conversationId: 'bare', lastSeq: 0, heartbeatMs: 25_000 }));
    else if (frame.type === 'send') relay(members, socket, frame);
  });
});
// The parent reads the port from the first line of stdout.
server.on('listening', () => console.log(JSON.stringify({ port: server.address().port })));
