// A minimal relay with the chat contract's frames, as a peer to measure the Edge against:
// ?user=NAME identifies a connection; {"type":"send","to","text","clientId"} is answered with
// "sent" and delivered as "message" to every connection of the recipient. No auth, no storage —
// the same job as the Edge's relay-only mode.
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.env.PORT || 5900);
const server = new WebSocketServer({ port, host: '127.0.0.1', maxPayload: 64 * 1024 });
const connections = new Map(); // user -> Set of sockets
let lastId = 0n;

const id = () => (++lastId).toString().padStart(20, '0');

server.on('connection', (socket, request) => {
  const user = new URL(request.url, 'http://relay').searchParams.get('user');
  if (!user) {
    socket.close(1008, 'user required');
    return;
  }
  if (!connections.has(user)) connections.set(user, new Set());
  connections.get(user).add(socket);

  socket.on('message', (data) => {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      socket.send(JSON.stringify({ type: 'error', code: 'invalid_frame', message: 'malformed JSON' }));
      return;
    }
    if (frame.type !== 'send' || typeof frame.to !== 'string' || typeof frame.text !== 'string' || frame.text.length === 0) {
      socket.send(JSON.stringify({ type: 'error', code: 'invalid_frame', message: 'expected a send frame', clientId: frame.clientId }));
      return;
    }
    const messageId = id();
    const sentAt = new Date().toISOString();
    socket.send(JSON.stringify({ type: 'sent', id: messageId, clientId: frame.clientId ?? null, to: frame.to, sentAt }));
    const message = JSON.stringify({ type: 'message', id: messageId, from: user, to: frame.to, text: frame.text, sentAt });
    for (const peer of connections.get(frame.to) ?? []) peer.send(message);
  });

  socket.on('close', () => {
    const mine = connections.get(user);
    mine.delete(socket);
    if (mine.size === 0) connections.delete(user);
  });
});

console.log(`node relay listening on ws://127.0.0.1:${port}/ws`);
