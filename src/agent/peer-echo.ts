/**
 * The other end of the agent's PodNetworkPeersUnreachable check (checks/pod-network-peers.ts):
 * a pod on the pod network on every node, answering GET /payload with a body far larger
 * than any MTU, so its full-size segments cross the path between nodes, and GET /healthz
 * for its own readiness probe. It serves nothing else and reads no request body.
 */
import { createServer, type Server } from 'node:http';
import { peerPayloadBytes } from './checks/pod-network-peers.ts';

const payload = Buffer.alloc(peerPayloadBytes, 0x6b);

export function peerEchoServer(): Server {
  return createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/payload') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': payload.length });
      res.end(payload);
    } else if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('only GET /payload and GET /healthz\n');
    }
  });
}
