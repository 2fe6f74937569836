import request from 'supertest';
import { createMetrics } from '../../src/observability/metrics';
import { QueuedFeedbackStore, type StoreObserver } from '../../src/feedback/queue';
import { MemoryFeedbackStore, type IssuedCard } from '../../src/feedback/store';
import { hookRequest, observation, testApp } from '../helpers';
import { accepted, card } from './store-contract';

function recordingObserver() {
  const errors: string[] = [];
  let dropped = 0;
  const observer: StoreObserver = {
    error: (operation) => errors.push(operation),
    dropped: (n) => {
      dropped += n;
    },
  };
  return { observer, errors, dropped: () => dropped };
}

/** A store whose card writes wait until released, and can be told to fail. */
class GatedStore extends MemoryFeedbackStore {
  batches: IssuedCard[][] = [];
  failing = false;
  private release: (() => void) | undefined;
  gate: Promise<void> = new Promise((resolve) => {
    this.release = resolve;
  });
  open(): void {
    this.release?.();
  }
  override async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    await this.gate;
    if (this.failing) throw new Error('database unreachable');
    this.batches.push(cards);
    await super.recordIssuedCards(cards);
  }
}

describe('write queue', () => {
  test('a hook response does not wait for the card write', async () => {
    const inner = new GatedStore();
    const store = new QueuedFeedbackStore(inner, recordingObserver().observer, { flushIntervalMs: 5 });
    const { app } = testApp({ feedbackStore: store });
    const res = await request(app)
      .post('/cds-services/hypomagnesemia')
      .send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL' })] }));
    // Answered while the store is still blocked.
    expect(res.status).toBe(200);
    expect(inner.batches).toHaveLength(0);
    inner.open();
    const uuid = res.body.cards[0].uuid as string;
    const issued = await store.issuedCard(uuid);
    expect(issued).toMatchObject({ cardUuid: uuid, serviceId: 'hypomagnesemia', indicator: res.body.cards[0].indicator });
    // Suggestions are tagged by what they order, not by patient data.
    expect(Object.values(issued?.suggestionTags ?? {})).toEqual(expect.arrayContaining([expect.stringMatching(/order/)]));
    await store.close();
  });

  test('records are written in batches of at most maxBatch', async () => {
    const inner = new GatedStore();
    inner.open();
    const store = new QueuedFeedbackStore(inner, recordingObserver().observer, { maxBatch: 3, flushIntervalMs: 1000 });
    for (let i = 0; i < 7; i += 1) await store.recordIssuedCards([card({ cardUuid: `q-${i}` })]);
    await store.flush();
    expect(inner.batches.flat().map((c) => c.cardUuid)).toEqual(['q-0', 'q-1', 'q-2', 'q-3', 'q-4', 'q-5', 'q-6']);
    expect(Math.max(...inner.batches.map((b) => b.length))).toBe(3);
    expect(inner.batches.length).toBeGreaterThanOrEqual(3);
    expect(store.pendingCount).toBe(0);
    await store.close();
  });

  test('a failing store: retried, then dropped and counted; feedback errors reach the caller', async () => {
    const inner = new GatedStore();
    inner.open();
    inner.failing = true;
    const seen = recordingObserver();
    const store = new QueuedFeedbackStore(inner, seen.observer, { flushIntervalMs: 1000, maxAttempts: 2 });
    await store.recordIssuedCards([card({ cardUuid: 'f-1' }), card({ cardUuid: 'f-2' })]);
    await store.flush();
    expect(store.pendingCount).toBe(2);
    expect(seen.dropped()).toBe(0);
    await store.flush();
    expect(store.pendingCount).toBe(0);
    expect(seen.dropped()).toBe(2);
    expect(seen.errors).toEqual(['recordIssuedCards', 'recordIssuedCards']);

    const broken = new QueuedFeedbackStore(
      Object.assign(new MemoryFeedbackStore(), { recordFeedback: async () => Promise.reject(new Error('disk full')) }),
      seen.observer,
    );
    await expect(broken.recordFeedback([accepted('f-1', ['s'])])).rejects.toThrow('disk full');
    expect(seen.errors).toContain('recordFeedback');
    await store.close();
    await broken.close();
  });

  test('one record the store refuses does not take the rest of its batch down', async () => {
    class PickyStore extends GatedStore {
      override async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
        if (cards.some((c) => c.cardUuid === 'bad')) throw new Error('invalid byte sequence');
        await super.recordIssuedCards(cards);
      }
    }
    const inner = new PickyStore();
    inner.open();
    const seen = recordingObserver();
    const store = new QueuedFeedbackStore(inner, seen.observer, { flushIntervalMs: 1000, maxAttempts: 2 });
    await store.recordIssuedCards([card({ cardUuid: 'ok-1' }), card({ cardUuid: 'bad' }), card({ cardUuid: 'ok-2' })]);
    await store.flush();
    expect(inner.batches.flat().map((c) => c.cardUuid).sort()).toEqual(['ok-1', 'ok-2']);
    expect(store.pendingCount).toBe(1);
    await store.flush();
    expect(store.pendingCount).toBe(0);
    expect(seen.dropped()).toBe(1);
    await store.close();
  });

  test('records that arrive while a batch is being written wait for the next interval', async () => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    try {
      const inner = new GatedStore();
      const store = new QueuedFeedbackStore(inner, recordingObserver().observer, { flushIntervalMs: 200 });
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      await store.recordIssuedCards([card({ cardUuid: 'b-1' })]);
      jest.advanceTimersByTime(200); // the interval is up: b-1 is being written (the store is slow)
      await settle();
      for (const id of ['b-2', 'b-3', 'b-4']) await store.recordIssuedCards([card({ cardUuid: id })]);
      inner.open();
      await settle();
      // Not one tiny commit per record as they trickle in: b-2..b-4 wait for their interval.
      expect(inner.batches.map((b) => b.map((c) => c.cardUuid))).toEqual([['b-1']]);
      expect(store.pendingCount).toBe(3);
      jest.advanceTimersByTime(200);
      await settle();
      expect(inner.batches.map((b) => b.map((c) => c.cardUuid))).toEqual([['b-1'], ['b-2', 'b-3', 'b-4']]);
      await store.close();
    } finally {
      jest.useRealTimers();
    }
  });

  test('a full queue drops new records and counts them instead of growing', async () => {
    const inner = new GatedStore();
    const seen = recordingObserver();
    const store = new QueuedFeedbackStore(inner, seen.observer, { maxPending: 2, maxBatch: 100, flushIntervalMs: 1000 });
    await store.recordIssuedCards([card({ cardUuid: 'p-1' }), card({ cardUuid: 'p-2' }), card({ cardUuid: 'p-3' })]);
    expect(store.pendingCount).toBe(2);
    expect(seen.dropped()).toBe(1);
    inner.open();
    await store.close();
    expect(inner.batches.flat().map((c) => c.cardUuid)).toEqual(['p-1', 'p-2']);
  });
});

/** A store whose writes fail like a full disk (reads still work), until it has room again. */
class FullDiskStore extends MemoryFeedbackStore {
  full = false;
  probes = 0;
  private check(): void {
    if (this.full) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
  }
  override async recordIssuedCards(cards: IssuedCard[]): Promise<void> {
    this.check();
    await super.recordIssuedCards(cards);
  }
  override async recordFeedback(records: Parameters<MemoryFeedbackStore['recordFeedback']>[0]) {
    this.check();
    return super.recordFeedback(records);
  }
  async probeWrite(): Promise<void> {
    this.probes += 1;
    this.check();
  }
}

describe('readiness follows the write path', () => {
  test('disk full: feedback is 503 and /readyz turns 503 (reads still work); with room again, ready without a restart', async () => {
    const inner = new FullDiskStore();
    const store = new QueuedFeedbackStore(inner, recordingObserver().observer, { flushIntervalMs: 5, maxAttempts: 1 });
    const { app } = testApp({ feedbackStore: store });
    expect((await request(app).get('/readyz')).status).toBe(200);
    expect(inner.probes).toBe(0); // no write probe while writes succeed
    inner.full = true;
    const feedback = await request(app)
      .post('/cds-services/hypomagnesemia/feedback')
      .send({ feedback: [{ card: 'x-1', outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' }] });
    expect(feedback.status).toBe(503);
    expect(await inner.isReady()).toBe(true);
    expect((await request(app).get('/readyz')).status).toBe(503);
    inner.full = false;
    expect((await request(app).get('/readyz')).status).toBe(200);
    await store.close();
  });

  test('a record refused for its data fails alone and does not make the store unready', async () => {
    class Picky extends MemoryFeedbackStore {
      override async recordFeedback(records: Parameters<MemoryFeedbackStore['recordFeedback']>[0]) {
        if (records.some((r) => r.cardUuid === 'bad')) throw Object.assign(new Error('value out of range'), { code: '22008' });
        return super.recordFeedback(records);
      }
    }
    const store = new QueuedFeedbackStore(new Picky(), recordingObserver().observer);
    const { app } = testApp({ feedbackStore: store });
    const item = (card: string) => ({ card, outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' });
    const res = await request(app).post('/cds-services/hypomagnesemia/feedback').send({ feedback: [item('a'), item('bad'), item('b')] });
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['feedback.1']);
    expect(await store.feedbackFor('a')).toHaveLength(1);
    expect(await store.feedbackFor('b')).toHaveLength(1);
    expect((await request(app).get('/readyz')).status).toBe(200);
    await store.close();
  });

  test('feedback for a card with no issued-card record is counted; a card still queued for writing counts as known', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const inner = new GatedStore();
    const store = new QueuedFeedbackStore(inner, recordingObserver().observer, { flushIntervalMs: 60_000 });
    const { app } = testApp({ feedbackStore: store, metrics });
    const hook = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] }));
    expect(hook.status).toBe(200);
    const item = (card: string) => ({ card, outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' });
    const res = await request(app).post('/cds-services/hypomagnesemia/feedback').send({ feedback: [item(hook.body.cards[0].uuid), item('never-issued')] });
    expect(res.status).toBe(200);
    expect(await metrics.registry.getSingleMetricAsString('cds_feedback_unknown_card_total')).toMatch(/^cds_feedback_unknown_card_total 1$/m);
    inner.open();
    await store.close();
  });
});
