import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteFeedbackStore } from '../../src/feedback/sqlite';
import { CASES_NOW, hookRequest, observation, ROOT } from '../helpers';

/**
 * The real process (the build `npm start` runs) with the default SQLite store: feedback that got
 * a 200 is on disk even when the process is killed right after; a graceful stop writes the
 * queued issued-card records first.
 */

const ENTRY = join(ROOT, 'dist', 'server.js');
let dir: string;

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'pipe' });
  dir = mkdtempSync(join(tmpdir(), 'cds-restart-'));
}, 120_000);
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function startServer(dbPath: string): Promise<{ child: ChildProcess; base: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [ENTRY], {
    env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', FEEDBACK_DB_PATH: dbPath },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /Discovery: (http:\/\/[^/\s]+)\/cds-services/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', () => reject(new Error(`server exited: ${out}`)));
  });
  return { child, base, exited };
}

/** The server runs on the real clock: a result drawn two hours before now (helpers count from CASES_NOW). */
const drawnTwoHoursAgo = () => (CASES_NOW.getTime() - Date.now()) / 3_600_000 + 2;

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function issueCard(base: string): Promise<{ uuid: string; suggestion: string }> {
  const res = await post(`${base}/cds-services/hypomagnesemia`, hookRequest({ observations: [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL', hoursAgo: drawnTwoHoursAgo() })] }));
  expect(res.status).toBe(200);
  const body = (await res.json()) as { cards: Array<{ uuid: string; suggestions?: Array<{ uuid: string }> }> };
  const card = body.cards[0];
  if (!card) throw new Error('expected a card');
  return { uuid: card.uuid, suggestion: card.suggestions?.[0]?.uuid ?? 'none' };
}

describe('service process restarts', () => {
  test('feedback acknowledged with 200 survives SIGKILL right after the answer', async () => {
    const db = join(dir, 'kill', 'feedback.sqlite');
    const first = await startServer(db);
    expect((await fetch(`${first.base}/readyz`)).status).toBe(200);
    const card = await issueCard(first.base);
    const items = Array.from({ length: 20 }, (_, i) => ({ card: card.uuid, outcome: 'overridden', overrideReason: { reason: { code: `reason-${i}` } }, outcomeTimestamp: `2026-11-22T12:00:${String(i).padStart(2, '0')}Z` }));
    const ack = await post(`${first.base}/cds-services/hypomagnesemia/feedback`, { feedback: items });
    expect(ack.status).toBe(200);
    first.child.kill('SIGKILL');
    await first.exited;

    const store = new SqliteFeedbackStore(db);
    const stored = await store.feedbackFor(card.uuid);
    await store.close();
    expect(stored.map((f) => f.overrideReason?.code).sort()).toEqual(items.map((i) => i.overrideReason.reason.code).sort());

    // The restarted service opens the same file (migrations already applied) and is ready.
    const second = await startServer(db);
    expect((await fetch(`${second.base}/readyz`)).status).toBe(200);
    const repeat = await post(`${second.base}/cds-services/hypomagnesemia/feedback`, { feedback: items });
    expect(repeat.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const again = new SqliteFeedbackStore(db);
    expect(await again.feedbackFor(card.uuid)).toHaveLength(20);
    await again.close();
  }, 60_000);

  test('SIGTERM writes queued issued-card records before exiting', async () => {
    const db = join(dir, 'term', 'feedback.sqlite');
    const server = await startServer(db);
    const card = await issueCard(server.base);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const store = new SqliteFeedbackStore(db);
    expect(await store.issuedCard(card.uuid)).toMatchObject({ cardUuid: card.uuid, serviceId: 'hypomagnesemia' });
    await store.close();
  }, 60_000);
});
