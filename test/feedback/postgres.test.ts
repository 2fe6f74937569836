import request from 'supertest';
import { Client } from 'pg';
import { migrations } from '../../src/feedback/migrations';
import { PostgresFeedbackStore } from '../../src/feedback/postgres';
import { QueuedFeedbackStore } from '../../src/feedback/queue';
import { FeedbackRefusedError } from '../../src/feedback/store';
import { createMetrics } from '../../src/observability/metrics';
import { storeObserver } from '../../src/observability/store-observer';
import { createLogger } from '../../src/logging';
import { hookRequest, logSink, observation, testApp } from '../helpers';
import { accepted, card, describeStoreContract } from './store-contract';
import { startPostgres, type PostgresHandle } from './postgres-harness';

// A real PostgreSQL, started for this file (see postgres-harness.ts); no PostgreSQL → these fail.
let pg: PostgresHandle;
beforeAll(async () => {
  pg = await startPostgres();
}, 90_000);
afterAll(async () => {
  await pg?.destroy();
});

async function truncate(url: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('TRUNCATE issued_cards, feedback');
  await client.end();
}

describeStoreContract('postgres', async () => {
  const store = new PostgresFeedbackStore(pg.url);
  await store.open();
  await truncate(pg.url);
  return store;
});

describe('postgres store', () => {
  test('replicas starting together apply each migration exactly once', async () => {
    const stores = Array.from({ length: 4 }, () => new PostgresFeedbackStore(pg.url));
    await Promise.all(stores.map((s) => s.open()));
    for (const s of stores) expect(await s.appliedMigrations()).toEqual(migrations.map((m) => m.version));
    await Promise.all(stores.map((s) => s.close()));
  });

  test('acknowledged feedback survives a database crash and a service restart', async () => {
    const first = new PostgresFeedbackStore(pg.url);
    await first.recordIssuedCards([card({ cardUuid: 'crash-1' })]);
    expect(await first.recordFeedback([accepted('crash-1', ['s1'])])).toMatchObject({ stored: 1, duplicates: 0 });
    await first.close();
    // Immediate shutdown: no checkpoint, recovery replays the WAL.
    pg.crashAndRestart();
    const second = new PostgresFeedbackStore(pg.url);
    expect(await second.feedbackFor('crash-1')).toEqual([accepted('crash-1', ['s1'])]);
    expect(await second.issuedCard('crash-1')).toEqual(card({ cardUuid: 'crash-1' }));
    await second.close();
  }, 60_000);

  test('with the database down, hooks still answer 200; feedback gets 503; errors are counted and logged; /readyz is 503', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const sink = logSink();
    const logger = createLogger('info', sink.stream);
    const inner = new PostgresFeedbackStore(pg.url, { connectionTimeoutMs: 500 });
    const store = new QueuedFeedbackStore(inner, storeObserver(metrics, logger), { flushIntervalMs: 10, maxAttempts: 1 });
    const { app } = testApp({ feedbackStore: store, metrics });
    pg.stop();
    try {
      const hook = await request(app)
        .post('/cds-services/hypomagnesemia')
        .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL' })] }));
      expect(hook.status).toBe(200);
      expect(hook.body.cards.length).toBeGreaterThan(0);
      await store.flush();
      const feedback = await request(app)
        .post('/cds-services/hypomagnesemia/feedback')
        .send({ feedback: [{ card: hook.body.cards[0].uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' }] });
      expect(feedback.status).toBe(503);
      expect(feedback.body.issue[0].details.coding[0].code).toBe('CDS_UNAVAILABLE');
      expect((await request(app).get('/readyz')).status).toBe(503);
      const text = (await request(app).get('/metrics')).text;
      expect(text).toMatch(/cds_feedback_store_errors_total\{operation="recordIssuedCards"\} [1-9]/);
      expect(text).toMatch(/cds_feedback_store_errors_total\{operation="recordFeedback"\} 1/);
      expect(text).toMatch(/cds_feedback_store_dropped_total [1-9]/);
      expect(sink.text()).toContain('feedback store error');
    } finally {
      pg.start();
    }
    // Back up: ready again without a restart of the service.
    expect((await request(app).get('/readyz')).status).toBe(200);
    await store.close();
  }, 60_000);

  test('a record PostgreSQL still refuses (bypassing the schema) fails alone; the rest of its batch is stored', async () => {
    await truncate(pg.url);
    const store = new QueuedFeedbackStore(new PostgresFeedbackStore(pg.url), storeObserver(createMetrics({ defaultMetrics: false }), createLogger('silent')));
    const good = Array.from({ length: 5 }, (_, i) => accepted(`iso-${i}`, ['s1']));
    const bad = { ...accepted('iso-bad', ['s1']), outcomeTimestamp: '0000-06-01T00:00:00Z' };
    const error = await store.recordFeedback([good[0]!, good[1]!, bad, ...good.slice(2)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeedbackRefusedError);
    expect((error as FeedbackRefusedError).refused).toEqual([2]);
    expect((error as FeedbackRefusedError).outcome).toMatchObject({ stored: 5, duplicates: 0 });
    for (const record of good) expect(await store.feedbackFor(record.cardUuid)).toEqual([record]);
    // The database is fine: still ready.
    expect(await store.isReady()).toBe(true);
    await store.close();
  });
});
