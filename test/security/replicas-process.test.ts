import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { KeyLike } from 'jose';
import { ROOT } from '../helpers';
import { startPostgres, type PostgresHandle } from '../feedback/postgres-harness';
import { DEVELOPMENT_PROFILE, mint, sandboxPrivateKey } from './tokens';

/**
 * Two real service processes (src/server.ts) sharing one PostgreSQL: a token accepted by one is
 * refused by the other, and metrics live on METRICS_PORT only.
 */
jest.setTimeout(90_000);

interface Running {
  child: ChildProcess;
  base: string;
  exited: Promise<number | null>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function startService(env: Record<string, string>): Promise<Running> {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'fixtures', 'ts-register.js'), join(ROOT, 'src', 'server.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += String(chunk);
      const match = /Discovery: (http:\/\/[^\s]+)\/cds-services/.exec(out);
      if (match) resolve({ child, base: match[1]!, exited });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => reject(new Error(`service exited (${code}) before listening:\n${out}`)));
  });
}

let pg: PostgresHandle;
let key: KeyLike;
const running: Running[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  key = await sandboxPrivateKey();
});
afterAll(async () => {
  for (const r of running) {
    r.child.kill('SIGKILL');
    await r.exited;
  }
  await pg.destroy();
});

// The processes run on the real clock, not the test cases' fixed one.
// Without CDS_PUBLIC_URL each process expects its own loopback address as the audience; both
// audiences are listed, as an EHR that shares one token across replicas behind a balancer would.
const freshToken = (...bases: string[]) => {
  const iat = Math.floor(Date.now() / 1000);
  return mint({ key, aud: bases.map((b) => `${b}/cds-services`), iat, exp: iat + 300 });
};
const get = (url: string, token?: string) =>
  fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: AbortSignal.timeout(10_000) });
const discovery = (base: string, token: string) => get(`${base}/cds-services`, token);

it('a token accepted by one replica is refused by the other; metrics only on METRICS_PORT', async () => {
  const metricsPort = await freePort();
  const common = { CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE, DATABASE_URL: pg.url };
  const [a, b] = await Promise.all([startService({ ...common, METRICS_PORT: String(metricsPort) }), startService(common)]);
  running.push(a!, b!);

  const token = await freshToken(a!.base, b!.base);
  expect((await discovery(a!.base, token)).status).toBe(200);
  const replayed = await discovery(b!.base, token);
  expect(replayed.status).toBe(401);
  expect(((await replayed.json()) as { issue: Array<{ details: { text: string } }> }).issue[0]!.details.text).toBe('Unauthorized');
  expect((await discovery(b!.base, await freshToken(b!.base))).status).toBe(200);

  expect((await get(`${a!.base}/metrics`)).status).toBe(404);
  const metrics = await get(`http://127.0.0.1:${metricsPort}/metrics`);
  expect(metrics.status).toBe(200);
  expect(metrics.headers.get('access-control-allow-origin')).toBeNull();
  // A's own counters: the one discovery call it answered (the replay was B's refusal).
  expect(await metrics.text()).toMatch(/^cds_http_request_duration_seconds_count\{route="\/cds-services",method="GET",status="200"\} 1$/m);
});
