import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksCache } from '../../src/security/jwks';
import { ReplayCache } from '../../src/security/replay';

describe('ReplayCache', () => {
  it('refuses a jti seen before until its token expires, per issuer', () => {
    let now = 1_000;
    const cache = new ReplayCache(10, () => now);
    expect(cache.claim('https://a', 'j1', 5_000)).toBe(true);
    expect(cache.claim('https://a', 'j1', 5_000)).toBe(false);
    expect(cache.claim('https://b', 'j1', 5_000)).toBe(true);
    now = 5_001;
    expect(cache.claim('https://a', 'j1', 9_000)).toBe(true);
  });

  it('fails closed when full of live tokens, and prunes expired ones to make room', () => {
    let now = 0;
    const cache = new ReplayCache(3, () => now);
    for (const jti of ['a', 'b', 'c']) expect(cache.claim('iss', jti, 1_000)).toBe(true);
    expect(cache.claim('iss', 'd', 1_000)).toBe(false);
    now = 1_001;
    expect(cache.claim('iss', 'd', 2_000)).toBe(true);
    expect(cache.size).toBe(1);
  });
});

describe('JwksCache downloads', () => {
  let server: Server;
  let base = '';
  let hits = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      hits += 1;
      if (req.url === '/ok') return void res.end(JSON.stringify({ keys: [{ kty: 'EC', kid: 'k1' }] }));
      if (req.url === '/500') return void res.writeHead(500).end('{}');
      if (req.url === '/garbage') return void res.end('not json');
      if (req.url === '/huge') return void res.end(JSON.stringify({ keys: [], pad: 'x'.repeat(4096) }));
      if (req.url === '/redirect') return void res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/hang') return;
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const cache = () => new JwksCache({ maxAgeMs: 60_000, cooldownMs: 0, timeoutMs: 300, maxBytes: 1024 });

  it('reads a key set', async () => {
    expect(await cache().get(`${base}/ok`)).toEqual({ keys: [{ kty: 'EC', kid: 'k1' }] });
  });

  it.each(['/500', '/garbage', '/huge', '/redirect', '/hang', '/missing'])('gives no keys for %s (never throws)', async (path) => {
    const started = Date.now();
    expect(await cache().get(`${base}${path}`)).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('shares one download between concurrent callers', async () => {
    hits = 0;
    const c = cache();
    const sets = await Promise.all(Array.from({ length: 5 }, () => c.get(`${base}/ok`)));
    expect(sets.every((s) => s?.keys[0]?.kid === 'k1')).toBe(true);
    expect(hits).toBe(1);
  });

  it('keeps the known keys when a refresh fails', async () => {
    let now = 0;
    const c = new JwksCache({ maxAgeMs: 60_000, cooldownMs: 10, timeoutMs: 300, maxBytes: 1024, now: () => now });
    const url = `${base}/ok`;
    expect((await c.get(url))?.keys).toHaveLength(1);
    server.removeAllListeners('request');
    let failures = 0;
    server.on('request', (_req, res) => {
      failures += 1;
      res.writeHead(500).end();
    });
    now = 100;
    expect((await c.refresh(url))?.keys).toHaveLength(1);
    expect(failures).toBe(1);
  });
});
