import type { FeedbackRecord, FeedbackStore, IssuedCard } from '../../src/feedback/store';
import { toFeedbackRecord } from '../../src/feedback/store';
import { buildSummary, feedbackSummarySchema } from '../../src/feedback/summary';
import request from 'supertest';
import { testApp } from '../helpers';

/**
 * One behaviour for every feedback store: the memory store, SQLite and PostgreSQL must give the
 * same answers, including the same override summary for the same data.
 */

export const card = (over: Partial<IssuedCard> & { cardUuid: string }): IssuedCard => ({
  suggestionUuids: [],
  serviceId: 'hypomagnesemia',
  hookInstance: 'hook-1',
  kind: 'replacement',
  indicator: 'warning',
  ruleIds: ['R-1'],
  issuedAt: '2026-11-20T10:00:00.000Z',
  ...over,
});

export const accepted = (cardUuid: string, suggestions: string[], at = '2026-11-20T10:05:00Z'): FeedbackRecord =>
  toFeedbackRecord('hypomagnesemia', { card: cardUuid, outcome: 'accepted', acceptedSuggestions: suggestions.map((id) => ({ id })), outcomeTimestamp: at }, new Date('2026-11-20T11:00:00Z'));

export const overridden = (cardUuid: string, reason?: { system?: string; code: string }, at = '2026-11-20T10:06:00Z'): FeedbackRecord =>
  toFeedbackRecord(
    'hypomagnesemia',
    { card: cardUuid, outcome: 'overridden', ...(reason ? { overrideReason: { reason } } : {}), outcomeTimestamp: at },
    new Date('2026-11-20T11:00:00Z'),
  );

const WINDOW = { from: new Date('2026-11-19T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') };

/** The summary scenario: five cards, one outside the window, every outcome kind. */
export async function loadScenario(store: FeedbackStore): Promise<void> {
  await store.recordIssuedCards([
    card({ cardUuid: 'A', ruleIds: ['R-1', 'R-2'], suggestionUuids: ['a1', 'a2'], suggestionTags: { a1: 'IV order (recommended)', a2: 'by mouth order' } }),
    card({ cardUuid: 'B', suggestionUuids: ['b1', 'b2'], issuedAt: '2026-11-21T08:00:00.000Z' }),
    card({ cardUuid: 'C', ruleIds: ['R-3'], indicator: 'info', issuedAt: '2026-11-21T09:00:00.000Z' }),
    card({ cardUuid: 'D', ruleIds: [], indicator: 'critical', issuedAt: '2026-11-10T09:00:00.000Z' }),
    card({ cardUuid: 'E', issuedAt: '2026-11-21T09:30:00.000Z' }),
    card({ cardUuid: 'F', ruleIds: [], indicator: 'info', issuedAt: '2026-11-21T09:40:00.000Z' }),
  ]);
  await store.recordFeedback([
    accepted('A', ['a1']),
    // A's latest feedback is the override: that is its outcome.
    overridden('A', { system: 'http://example.org/reasons', code: 'patient-declined' }, '2026-11-20T12:00:00+01:00'),
    accepted('B', ['b2'], '2026-11-21T08:10:00Z'),
    overridden('E', undefined, '2026-11-21T09:35:00Z'),
    accepted('D', ['x'], '2026-11-10T09:05:00Z'),
    // Feedback about a card this service never recorded: stored, not in the summary.
    overridden('unknown-card', { code: 'other' }),
  ]);
}

export const EXPECTED_SUMMARY = {
  from: '2026-11-19T00:00:00.000Z',
  to: '2026-11-22T00:00:00.000Z',
  totals: { issued: 5, accepted: 1, overridden: 2, ignored: 2 },
  rules: [
    { ruleId: '(none)', indicator: 'info', issued: 1, accepted: 0, overridden: 0, ignored: 1, acceptedBySuggestion: {}, overriddenByReason: {} },
    {
      ruleId: 'R-1',
      indicator: 'warning',
      issued: 3,
      accepted: 1,
      overridden: 2,
      ignored: 0,
      acceptedBySuggestion: { 'suggestion 2': 1 },
      overriddenByReason: { 'http://example.org/reasons|patient-declined': 1, '(no reason)': 1 },
    },
    {
      ruleId: 'R-2',
      indicator: 'warning',
      issued: 1,
      accepted: 0,
      overridden: 1,
      ignored: 0,
      acceptedBySuggestion: {},
      overriddenByReason: { 'http://example.org/reasons|patient-declined': 1 },
    },
    { ruleId: 'R-3', indicator: 'info', issued: 1, accepted: 0, overridden: 0, ignored: 1, acceptedBySuggestion: {}, overriddenByReason: {} },
  ],
  series: [
    { day: '2026-11-19', issued: 0, accepted: 0, overridden: 0, ignored: 0 },
    { day: '2026-11-20', issued: 1, accepted: 0, overridden: 1, ignored: 0 },
    { day: '2026-11-21', issued: 4, accepted: 1, overridden: 1, ignored: 2 },
  ],
};

export function describeStoreContract(name: string, open: () => Promise<FeedbackStore>): void {
  describe(`${name}: feedback store contract`, () => {
    let store: FeedbackStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    test('an issued card reads back exactly as recorded; recording it again changes nothing', async () => {
      const original = card({ cardUuid: 'c-1', ruleIds: ['R-CLS-2', 'R-MOD-1'], suggestionUuids: ['s1', 's2'], suggestionTags: { s1: 'IV order (recommended)', s2: 'by mouth order' } });
      await store.recordIssuedCards([original]);
      await store.recordIssuedCards([{ ...original, indicator: 'critical' }]);
      expect(await store.issuedCard('c-1')).toEqual(original);
      expect(await store.issuedCard('nope')).toBeUndefined();
    });

    test('feedback is idempotent: the same items twice are stored once and counted as duplicates', async () => {
      const items = [accepted('c-1', ['s2', 's1']), overridden('c-1', { code: 'not-relevant' }, '2026-11-20T12:00:00+02:00')];
      // No card c-1 was recorded as issued: the store says so (the unknown-card metric).
      expect(await store.recordFeedback(items)).toEqual({ stored: 2, duplicates: 0, unknownCards: ['c-1'] });
      await store.recordIssuedCards([card({ cardUuid: 'c-1' })]);
      expect(await store.recordFeedback(items)).toEqual({ stored: 0, duplicates: 2, unknownCards: [] });
      const back = await store.feedbackFor('c-1');
      expect(back).toHaveLength(2);
      expect(back).toEqual(expect.arrayContaining(items));
      // The original timestamp text (with its offset) is kept.
      expect(back.map((f) => f.outcomeTimestamp)).toContain('2026-11-20T12:00:00+02:00');
    });

    test('the override summary counts issued, accepted (by suggestion), overridden (by reason) and ignored', async () => {
      await loadScenario(store);
      const summary = buildSummary(await store.summarySource(WINDOW), WINDOW);
      expect(feedbackSummarySchema.parse(summary)).toEqual(summary);
      expect(summary).toEqual(EXPECTED_SUMMARY);
    });

    test('retention purge deletes what is older than the cutoff and keeps the rest', async () => {
      await loadScenario(store);
      // Before 2026-11-15: card D (issued the 10th); all feedback was received the 20th.
      expect(await store.purgeBefore(new Date('2026-11-15T00:00:00Z'))).toBe(1);
      expect(await store.issuedCard('D')).toBeUndefined();
      expect(await store.issuedCard('A')).toBeDefined();
      expect(await store.feedbackFor('D')).toHaveLength(1);
      expect(await store.purgeBefore(new Date('2026-11-30T00:00:00Z'))).toBe(5 + 6);
      expect(await store.feedbackFor('A')).toEqual([]);
      expect(buildSummary(await store.summarySource(WINDOW), WINDOW).totals.issued).toBe(0);
    });

    test('a card counts once per rule in the summary, also when its rule list repeats an id', async () => {
      await store.recordIssuedCards([card({ cardUuid: 'r-1', ruleIds: ['R-CLS-2', 'R-CLS-2', 'R-MOD-1'] }), card({ cardUuid: 'r-2', ruleIds: ['R-CLS-2'] })]);
      const source = await store.summarySource(WINDOW);
      const count = (ruleId: string) => source.issued.filter((row) => row.ruleId === ruleId).reduce((sum, row) => sum + Number(row.issued), 0);
      expect(count('R-CLS-2')).toBe(2);
      expect(count('R-MOD-1')).toBe(1);
    });

    test('override reasons and suggestion tags named like prototype members count like any other', async () => {
      await store.recordIssuedCards([
        card({ cardUuid: 'p-1', suggestionUuids: ['s'], suggestionTags: { s: 'constructor' } }),
        card({ cardUuid: 'p-2' }),
        card({ cardUuid: 'p-3' }),
        card({ cardUuid: 'p-4' }),
      ]);
      await store.recordFeedback([
        accepted('p-1', ['s']),
        overridden('p-2', { code: 'constructor' }),
        overridden('p-3', { code: '__proto__' }),
        overridden('p-4', { code: 'constructor' }),
      ]);
      const summary = buildSummary(await store.summarySource(WINDOW), WINDOW);
      const [row] = summary.rules;
      expect(Object.entries(row!.overriddenByReason).sort()).toEqual([['__proto__', 1], ['constructor', 2]]);
      expect(Object.entries(row!.acceptedBySuggestion)).toEqual([['constructor', 1]]);
      expect(Object.getPrototypeOf(row!.overriddenByReason)).toBe(Object.prototype);
      expect(JSON.parse(JSON.stringify(summary)).rules[0].overriddenByReason).toEqual(JSON.parse('{"constructor":2,"__proto__":1}'));
      expect(summary.totals).toEqual({ issued: 4, accepted: 1, overridden: 3, ignored: 0 });
    });

    test('values at the edges of what the feedback schema accepts are stored and read back unchanged', async () => {
      const edge = [
        accepted('e-1', ['s-\u{1F600}'], '0001-01-01T00:00:00Z'),
        overridden('e-1', { system: 'urn:x:\u00e9\u{10FFFF}', code: 'c'.repeat(1000) }, '9999-12-31T23:59:59.999Z'),
        overridden('e-1', { code: 'offset' }, '9999-12-31T09:00:00-14:00'),
        overridden('e-\u{1D11E}', { code: 'astral' }, '0001-01-01T14:00:00+14:00'),
      ];
      expect(await store.recordFeedback(edge)).toMatchObject({ stored: 4, duplicates: 0 });
      expect(await store.feedbackFor('e-1')).toEqual(expect.arrayContaining(edge.slice(0, 3)));
      expect(await store.feedbackFor('e-\u{1D11E}')).toEqual([edge[3]]);
    });

    test('through the feedback route: what the database could not hold is a 400 naming the item, and nothing of that batch is stored', async () => {
      const { app } = testApp({ feedbackStore: store });
      const item = (over: Record<string, unknown>) => ({ card: 'h-1', outcome: 'overridden', outcomeTimestamp: '2026-11-20T10:00:00Z', ...over });
      const cases: Array<[Record<string, unknown>, string]> = [
        [item({ outcomeTimestamp: '0000-01-01T00:00:00Z' }), 'feedback.1.outcomeTimestamp'],
        [item({ outcomeTimestamp: '9999-12-31T23:00:00-05:00' }), 'feedback.1.outcomeTimestamp'],
        [item({ card: 'h-\uD800' }), 'feedback.1.card'],
        [item({ overrideReason: { reason: { code: 'x\uDC00' } } }), 'feedback.1.overrideReason.reason.code'],
        [item({ outcome: 'accepted', acceptedSuggestions: [{ id: '\uDBFF' }] }), 'feedback.1.acceptedSuggestions.0.id'],
      ];
      for (const [bad, field] of cases) {
        const res = await request(app).post('/cds-services/hypomagnesemia/feedback').send({ feedback: [item({}), bad] });
        expect(res.status).toBe(400);
        expect(res.body.issue[0].expression).toEqual([field]);
      }
      expect(await store.feedbackFor('h-1')).toEqual([]);
      const ok = await request(app).post('/cds-services/hypomagnesemia/feedback').send({ feedback: [item({}), item({ outcomeTimestamp: '9999-12-31T18:59:59-05:00' })] });
      expect(ok.status).toBe(200);
      expect(await store.feedbackFor('h-1')).toHaveLength(2);
    });

    test('a write probe succeeds on a healthy store (readiness uses it after a failed write)', async () => {
      if (store.probeWrite) await expect(store.probeWrite()).resolves.toBeUndefined();
      expect(await store.isReady()).toBe(true);
    });

    test('ready while open, not ready once closed', async () => {
      expect(await store.isReady()).toBe(true);
      await store.close();
      expect(await store.isReady()).toBe(false);
    });
  });
}
