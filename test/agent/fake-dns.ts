/**
 * A DNS server for tests: answers A queries on a loopback UDP port from a table of
 * name → addresses or rcode, and drops queries for names marked `drop` (no answer at all).
 * Enough of RFC 1035 for c-ares (node:dns) to accept its answers.
 */
import { createSocket, type Socket } from 'node:dgram';

export type FakeAnswer = string[] | 'SERVFAIL' | 'NXDOMAIN' | 'REFUSED' | 'drop';

const rcodes = { SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

export interface FakeDns {
  server: string;
  queries: string[];
  close(): Promise<void>;
}

function qname(msg: Buffer): { name: string; end: number } {
  const labels: string[] = [];
  let i = 12;
  while (msg[i] !== 0) {
    labels.push(msg.subarray(i + 1, i + 1 + msg[i]).toString('latin1'));
    i += msg[i] + 1;
  }
  return { name: labels.join('.').toLowerCase(), end: i + 5 }; // zero byte, qtype, qclass
}

export async function startFakeDns(table: Record<string, FakeAnswer>): Promise<FakeDns> {
  const sock: Socket = createSocket('udp4');
  const queries: string[] = [];
  sock.on('message', (msg, from) => {
    const { name, end } = qname(msg);
    queries.push(name);
    const answer = table[name] ?? 'NXDOMAIN';
    if (answer === 'drop') return;
    const addrs = Array.isArray(answer) ? answer : [];
    const rcode = Array.isArray(answer) ? 0 : rcodes[answer];
    const header = Buffer.alloc(12);
    header.writeUInt16BE(msg.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8180 | rcode, 2); // response, recursion desired + available
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(addrs.length, 6);
    const records = addrs.map((ip) => {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(30, 6);
      rr.writeUInt16BE(4, 10);
      ip.split('.').forEach((o, k) => {
        rr[12 + k] = Number(o);
      });
      return rr;
    });
    sock.send(Buffer.concat([header, msg.subarray(12, end), ...records]), from.port, from.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    server: `127.0.0.1:${sock.address().port}`,
    queries,
    close: () => new Promise((r) => sock.close(() => r())),
  };
}
