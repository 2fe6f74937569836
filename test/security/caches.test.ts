import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { JwksCache } from '../../src/security/jwks';
import { jtiKey, MemoryReplayStore } from '../../src/security/replay';

describe('MemoryReplayStore', () => {
  it('refuses a jti seen before until its token expires, per issuer', () => {
    let now = 1_000;
    const store = new MemoryReplayStore({ maxPerIssuer: 10, now: () => now });
    expect(store.claimNow('https://a', 'j1', 5_000)).toBe('claimed');
    expect(store.claimNow('https://a', 'j1', 5_000)).toBe('replay');
    expect(store.claimNow('https://b', 'j1', 5_000)).toBe('claimed');
    now = 5_001;
    expect(store.claimNow('https://a', 'j1', 9_000)).toBe('claimed');
  });

  it('a full issuer refuses only its own new tokens; another issuer is still accepted', () => {
    const now = 0;
    const full: string[] = [];
    const store = new MemoryReplayStore({ maxPerIssuer: 3, now: () => now, onFull: (issuer) => full.push(issuer) });
    for (const jti of ['a', 'b', 'c']) expect(store.claimNow('https://noisy', jti, 1_000)).toBe('claimed');
    expect(store.claimNow('https://noisy', 'd', 1_000)).toBe('full');
    expect(store.claimNow('https://quiet', 'd', 1_000)).toBe('claimed');
    // A replay is still a replay, not "full".
    expect(store.claimNow('https://noisy', 'a', 1_000)).toBe('replay');
    expect(full).toEqual(['https://noisy']);
    expect(store.stats()).toEqual({ entries: 4, fullIssuers: 1 });
  });

  it('frees a full set as its jtis expire, whatever their order', () => {
    let now = 0;
    const store = new MemoryReplayStore({ maxPerIssuer: 3, now: () => now, sweepIntervalMs: 0 });
    // The oldest entry lives longest: the head cannot be dropped, a sweep finds the others.
    expect(store.claimNow('iss', 'long', 10_000)).toBe('claimed');
    expect(store.claimNow('iss', 'b', 1_000)).toBe('claimed');
    expect(store.claimNow('iss', 'c', 1_000)).toBe('claimed');
    expect(store.claimNow('iss', 'd', 2_000)).toBe('full');
    now = 1_001;
    expect(store.claimNow('iss', 'd', 2_000)).toBe('claimed');
    expect(store.sizeOf('iss')).toBe(2);
  });

  it('keeps a fixed-size key per jti, however long the jti', () => {
    expect(jtiKey('x'.repeat(8000))).toHaveLength(43);
    expect(jtiKey('a\u0000b\ud800')).toMatch(/^[A-Za-z0-9_-]{43}$/);
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
