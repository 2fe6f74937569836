import request from 'supertest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CASES_NOW, expectValidCdsResponse, readJson, ROOT, testApp } from '../helpers';
import { outcomeOf } from '../case-oracle';

/** Rule set 2 sample cases (fixtures/cases/rule-set-2) through HTTP, clock frozen at _about.now. */

const DIR = join(ROOT, 'fixtures', 'cases', 'rule-set-2');
const expected = readJson(DIR, 'expected.json');
const caseFiles = readdirSync(DIR).filter((f) => /^r\d+.*\.json$/.test(f));

const draftRoutes = (cards: Array<{ suggestions?: Array<{ actions?: Array<{ resource?: unknown }> }> }>) =>
  cards
    .flatMap((c) => c.suggestions ?? [])
    .flatMap((s) => s.actions ?? [])
    .map((a) => a.resource as any)
    .filter((r) => r?.resourceType === 'MedicationRequest')
    .map((r) => (r.dosageInstruction[0].route.coding[0].code === '47625008' ? 'iv' : 'oral'));

describe('rule set 2 sample cases through HTTP', () => {
  const { app } = testApp({ now: () => new Date(expected._about.now) });

  test('the cases use the reference instant and every file has an expected outcome', () => {
    expect(new Date(expected._about.now).getTime()).toBe(CASES_NOW.getTime());
    expect(caseFiles.sort()).toEqual(Object.keys(expected.cases).sort());
  });

  test.each(caseFiles)('%s', async (file) => {
    const res = await request(app).post('/cds-services/hypomagnesemia').send(readJson(DIR, file));
    expect(res.status).toBe(200);
    const body = expectValidCdsResponse(res.body);
    const { rule_ids: ruleIds, description: _d, draft_routes: routes, detail_says: says, never_says: never, ...want } = expected.cases[file];
    expect(outcomeOf(body)).toEqual(want);
    expect(draftRoutes(body.cards)).toEqual(routes);
    const text = body.cards.map((c) => `${c.summary}\n${c.detail ?? ''}`).join('\n');
    for (const pattern of says as string[]) expect(text).toMatch(new RegExp(pattern));
    for (const pattern of never as string[]) expect(JSON.stringify(body)).not.toMatch(new RegExp(pattern));
    const fired = body.cards.flatMap((c) => (c.extension?.['org.magnesium-cds.assessment'] as { ruleIds: string[] }).ruleIds);
    expect(fired).toEqual(expect.arrayContaining(ruleIds));
    for (const card of body.cards) {
      expect(card.summary.length).toBeLessThan(140);
      expect(card.extension?.['org.magnesium-cds.assessment']).toMatchObject({ ruleSet: '2026.12-2' });
    }
  });

  test('R-HYPER-2: the high-magnesium case stops the active order by resourceId, about hypermagnesemia', async () => {
    const res = await request(app).post('/cds-services/hypomagnesemia').send(readJson(DIR, 'r10_hyper_stop_order.json'));
    const card = expectValidCdsResponse(res.body).cards[0]!;
    expect(card.source.topic?.code).toBe('66978005');
    expect(card.suggestions?.[0]?.actions?.[0]).toMatchObject({ type: 'delete', resourceId: 'MedicationRequest/mr-pat-r10-1' });
  });

  test('R-DATA-8: the same-instant case gives the same answer in the other bundle order', async () => {
    const body = readJson(DIR, 'r04_same_instant.json');
    const first = await request(app).post('/cds-services/hypomagnesemia').send(body);
    body.prefetch.observations.entry.reverse();
    const second = await request(app).post('/cds-services/hypomagnesemia').send(body);
    expect(second.body.cards.map((c: { summary: string }) => c.summary)).toEqual(first.body.cards.map((c: { summary: string }) => c.summary));
  });
});
