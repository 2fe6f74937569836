import type { KeyLike } from 'jose';
import { freePort, startService as startProcess, type RunningService } from '../service-process';
import { startPostgres, type PostgresHandle } from '../feedback/postgres-harness';
import { DEVELOPMENT_PROFILE, mint, sandboxPrivateKey } from './tokens';

/**
 * Two real service processes (src/server.ts) sharing one PostgreSQL: a token accepted by one is
 * refused by the other, and metrics live on METRICS_PORT only.
 */
jest.setTimeout(90_000);


let pg: PostgresHandle;
let key: KeyLike;
const running: RunningService[] = [];
const startService = (env: Record<string, string>) => startProcess(env, 'warn');

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
