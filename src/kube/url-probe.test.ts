/**
 * URL probes against real local servers: answers, 5xx, a refused port, a server that never
 * answers, a name that does not resolve, and TLS failures with real certificates (expired,
 * for another name, from an unknown authority), each named by what Node reports.
 */
import { createServer as createHttp, type Server } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { LookupFunction } from 'node:net';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realClock } from '../time/clock.ts';
import type { Observation } from './observations.ts';
import { parseProbeUrl, probeUrl } from './url-probe.ts';

type UrlProbe = Extract<Observation, { type: 'url-probe' }>;

const day = 86_400_000;
const servers: Server[] = [];

function listen(server: Server): Promise<number> {
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );
}

async function cert(name: string, notAfterMs: number) {
  return generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(notAfterMs - 60 * day),
    notAfterDate: new Date(notAfterMs),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: name }] },
    ],
  });
}

/** Every name resolves to the loopback, as DNS would send the site's name to its load balancer. */
const toLoopback = ((host: string, opts: unknown, cb: (...a: unknown[]) => void) => {
  if (host.endsWith('.invalid'))
    return cb(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
  if ((opts as { all?: boolean }).all) cb(null, [{ address: '127.0.0.1', family: 4 }]);
  else cb(null, '127.0.0.1', 4);
}) as unknown as LookupFunction;

async function get(url: string, o: { ca?: string; timeoutMs?: number } = {}): Promise<UrlProbe> {
  const seen: Observation[] = [];
  await probeUrl(
    { clock: realClock, sink: (x) => seen.push(x), lookup: toLoopback, timeoutMs: o.timeoutMs, ca: o.ca },
    url,
  );
  expect(seen).toHaveLength(1);
  return seen[0] as UrlProbe;
}

let httpPort = 0;
let hangPort = 0;
let closedPort = 0;
const tls: Record<string, { port: number; ca: string }> = {};

beforeAll(async () => {
  httpPort = await listen(
    createHttp((req, res) => {
      res.writeHead(req.url === '/broken' ? 503 : req.url === '/missing' ? 404 : 200);
      res.end('ok');
    }),
  );
  hangPort = await listen(createHttp(() => {}));
  const closing = createHttp();
  closedPort = await listen(closing);
  await new Promise((r) => closing.close(r));
  const now = realClock.now();
  for (const [name, host, notAfter] of [
    ['good', 'shop.example.com', now + 30 * day],
    ['expired', 'shop.example.com', now - day],
    ['other-name', 'other.example.com', now + 30 * day],
  ] as const) {
    const c = await cert(host, notAfter);
    const port = await listen(createHttps({ key: c.private, cert: c.cert }, (_req, res) => res.end('ok')));
    tls[name] = { port, ca: c.cert };
  }
});

afterAll(async () => {
  for (const s of servers) {
    s.closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

describe('probeUrl', () => {
  it('an answer below 500 is ok, whatever it is', async () => {
    expect(await get(`http://shop.example.com:${httpPort}/`)).toMatchObject({ ok: true, status: 200 });
    expect(await get(`http://shop.example.com:${httpPort}/missing`)).toMatchObject({ ok: true, status: 404 });
  });

  it('a 5xx answer fails as http-5xx', async () => {
    expect(await get(`http://shop.example.com:${httpPort}/broken`)).toMatchObject({
      ok: false,
      status: 503,
      errorKind: 'http-5xx',
    });
  });

  it('a refused connection, no answer before the deadline, a name that does not resolve', async () => {
    expect(await get(`http://shop.example.com:${closedPort}/`)).toMatchObject({
      ok: false,
      errorKind: 'refused',
    });
    const hung = await get(`http://shop.example.com:${hangPort}/`, { timeoutMs: 200 });
    expect(hung).toMatchObject({ ok: false, errorKind: 'timeout', error: 'no answer within 200 ms' });
    expect(await get('http://shop.invalid/')).toMatchObject({ ok: false, errorKind: 'dns' });
  });

  it('TLS: a good certificate passes; expired, wrong name and unknown authority are told apart', async () => {
    expect(await get(`https://shop.example.com:${tls.good.port}/`, { ca: tls.good.ca })).toMatchObject({
      ok: true,
    });
    expect(await get(`https://shop.example.com:${tls.expired.port}/`, { ca: tls.expired.ca })).toMatchObject({
      ok: false,
      errorKind: 'tls-expired',
    });
    expect(
      await get(`https://shop.example.com:${tls['other-name'].port}/`, { ca: tls['other-name'].ca }),
    ).toMatchObject({
      ok: false,
      errorKind: 'tls-name-mismatch',
    });
    expect(await get(`https://shop.example.com:${tls.good.port}/`)).toMatchObject({
      ok: false,
      errorKind: 'tls-unknown-authority',
    });
  });
});

describe('parseProbeUrl', () => {
  it.each([
    ['https://shop.example.com/healthz', undefined],
    ['shop.example.com', 'is not a URL'],
    ['ftp://shop.example.com/', 'must be http:// or https://'],
  ])('%s', (raw, problem) => {
    if (problem) expect(() => parseProbeUrl(raw)).toThrow(problem);
    else expect(parseProbeUrl(raw).hostname).toBe('shop.example.com');
  });
});
