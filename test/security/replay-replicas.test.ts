import request from 'supertest';
import type { KeyLike } from 'jose';
import { Client } from 'pg';
import { loadClients } from '../../src/security/clients';
import { PostgresReplayStore } from '../../src/security/replay-postgres';
import { startPostgres, type PostgresHandle } from '../feedback/postgres-harness';
import { DEVELOPMENT_PROFILE, DISCOVERY_URL, mint, sandboxPrivateKey, securedApp } from './tokens';

/**
 * Issue 13 item 2: with DATABASE_URL set, replicas share one jti table. Two apps, each with its
 * own store client (its own pool), stand for two replicas of the service.
 */

jest.setTimeout(60_000);

let pg: PostgresHandle;
let sandboxKey: KeyLike;
const opened: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  pg = await startPostgres();
  sandboxKey = await sandboxPrivateKey();
});
afterAll(async () => {
  for (const store of opened) await store.close().catch(() => undefined);
  await pg.destroy();
});

function replica() {
  const made = securedApp(loadClients(DEVELOPMENT_PROFILE, { production: false }), { DATABASE_URL: pg.url });
  opened.push(made.replayStore);
  return made;
}
const token = () => mint({ key: sandboxKey, aud: DISCOVERY_URL });
const discovery = (app: Parameters<typeof request>[0], jwt: string) => request(app).get('/cds-services').set('Authorization', `Bearer ${jwt}`);

describe('replay protection across replicas (PostgreSQL)', () => {
  it('a token accepted by one replica is refused by the other', async () => {
    const a = replica();
    const b = replica();
    const jwt = await token();
    expect((await discovery(a.app, jwt)).status).toBe(200);
    const replayed = await discovery(b.app, jwt);
    expect(replayed.status).toBe(401);
    expect(replayed.body.issue[0].details.text).toBe('Unauthorized');
    expect(JSON.parse(b.logs.lines.at(-1)!).authFailure).toBe('replay');
    // A fresh token is fine on either.
    expect((await discovery(b.app, await token())).status).toBe(200);
  });

  it('the same token sent to both replicas at once is accepted exactly once', async () => {
    const a = replica();
    const b = replica();
    for (let round = 0; round < 5; round += 1) {
      const jwt = await token();
      const statuses = (await Promise.all([discovery(a.app, jwt), discovery(b.app, jwt)])).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 401]);
    }
  });

  it('keeps jtis hashed, with their expiry, and deletes expired rows', async () => {
    let now = Date.UTC(2026, 10, 22, 12);
    const store = new PostgresReplayStore(pg.url, { now: () => now });
    opened.push(store);
    const weird = `${'x'.repeat(5000)}\u0000\ud800`;
    expect(await store.claim('https://iss.test', weird, now + 1_000)).toBe('claimed');
    expect(await store.claim('https://iss.test', weird, now + 1_000)).toBe('replay');
    const db = new Client({ connectionString: pg.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ jti_hash: string }>('SELECT jti_hash FROM replay_jti WHERE issuer = $1', ['https://iss.test']);
      expect(rows.map((r) => r.jti_hash.length)).toEqual([43]);
      now += 1_001;
      // An expired row does not block a new token reusing the jti, and the sweep removes old rows.
      expect(await store.claim('https://iss.test', weird, now + 1_000)).toBe('claimed');
      now += 1_001;
      expect(await store.sweep()).toBeGreaterThanOrEqual(1);
      expect((await db.query('SELECT 1 FROM replay_jti WHERE issuer = $1', ['https://iss.test'])).rowCount).toBe(0);
    } finally {
      await db.end();
    }
  });

  it('a store outage is a clear 503 for auth, never an open door; service resumes when it is back', async () => {
    const a = replica();
    expect((await discovery(a.app, await token())).status).toBe(200);
    pg.stop();
    try {
      const down = await discovery(a.app, await token());
      expect(down.status).toBe(503);
      expect(down.headers['retry-after']).toBe('5');
      expect(down.body.resourceType).toBe('OperationOutcome');
      expect(down.body.issue[0].details.text).toMatch(/replay check is unavailable/);
      expect(JSON.parse(a.logs.lines.at(-1)!).authFailure).toBe('replay-store');
      // A bad token is still a plain 401: the outage reveals nothing about tokens that fail earlier.
      expect((await discovery(a.app, 'not.a.jwt')).status).toBe(401);
    } finally {
      pg.start();
    }
    expect((await discovery(a.app, await token())).status).toBe(200);
  });
});
