import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hookRequest, observation, ROOT } from '../helpers';
import { startService } from '../service-process';

/**
 * The real process (src/server.ts): slow clients are cut off, SIGTERM drains in-flight requests
 * before exiting, start-up refuses a bad clients file.
 */
// Each test starts a real process from the TypeScript sources (a few seconds each).
jest.setTimeout(60_000);


async function fhirServer(delayMs: number): Promise<{ url: string; requested: Promise<void>; close: () => Promise<void> }> {
  let markRequested: () => void = () => {};
  const requested = new Promise<void>((resolve) => (markRequested = resolve));
  const server: Server = createServer((_req, res) => {
    markRequested();
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' }) }] }));
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`,
    requested,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

it('SIGTERM drains the in-flight request (200), refuses new connections, and exits 0', async () => {
  const fhir = await fhirServer(1000);
  const service = await startService({ FHIR_TIMEOUT_MS: '5000', SHUTDOWN_GRACE_MS: '8000' });
  try {
    expect(service.output()).toMatch(/CLIENT AUTHENTICATION IS OFF/);
    const inFlight = fetch(`${service.base}/cds-services/hypomagnesemia`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(hookRequest({ omit: ['observations'], extra: { fhirServer: fhir.url } })),
    });
    await fhir.requested;
    service.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(fetch(`${service.base}/healthz`)).rejects.toThrow();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { cards: unknown[] }).cards.length).toBeGreaterThan(0);
    const answered = Date.now();
    expect(await service.exited).toBe(0);
    // The kept-alive socket of the drained request does not hold the exit for keepAliveTimeout (5 s).
    expect(Date.now() - answered).toBeLessThan(2000);
    expect(service.output()).toMatch(/draining in-flight requests/);
  } finally {
    service.child.kill('SIGKILL');
    await fhir.close();
  }
});

it('a client that never finishes its headers is disconnected after HEADERS_TIMEOUT_MS', async () => {
  const service = await startService({ HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });
  try {
    const { port, hostname } = new URL(service.base);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => socket.write('POST /cds-services/hypomagnesemia HTTP/1.1\r\nHost: x\r\n'));
      socket.on('data', () => {});
      socket.on('close', () => resolve(Date.now() - started));
      socket.on('error', () => {});
      setTimeout(() => reject(new Error('slow client still connected after 6 s')), 6000);
    });
    expect(closedAfter).toBeGreaterThanOrEqual(900);
    expect(closedAfter).toBeLessThan(4000);
    expect((await fetch(`${service.base}/healthz`)).status).toBe(200);
  } finally {
    service.child.kill('SIGKILL');
  }
});

it('start-up fails with exit code 2 on an invalid clients file, naming the problems', async () => {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'fixtures', 'ts-register.js'), join(ROOT, 'src', 'server.ts')], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', NODE_ENV: 'production', CDS_CLIENTS_FILE: join(ROOT, 'config', 'clients', 'development.json') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (c) => (err += String(c)));
  const code = await new Promise((resolve) => child.on('exit', resolve));
  expect(code).toBe(2);
  expect(err).toMatch(/developmentOnly/);
  expect(err).toMatch(/sandbox is not trusted in production/);
});

it('start-up fails with exit code 2 when the SQLite feedback file cannot be opened, naming the path', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cds-badstore-'));
  try {
    writeFileSync(join(dir, 'a-file'), '');
    const dbPath = join(dir, 'a-file', 'feedback.sqlite');
    const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'fixtures', 'ts-register.js'), join(ROOT, 'src', 'server.ts')], {
      env: { PATH: process.env.PATH ?? '', PORT: '0', NODE_ENV: 'test', FEEDBACK_DB_PATH: dbPath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (c) => (err += String(c)));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).toBe(2);
    expect(err).toContain(`Cannot open the feedback store at ${dbPath}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
