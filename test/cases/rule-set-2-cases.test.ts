import request from 'supertest';
import { join } from 'node:path';
import { expectValidCdsResponse, readJson, ROOT } from '../helpers';
import { describeCaseFolder } from '../case-files';

/** Rule set 2 sample cases (fixtures/cases/rule-set-2) through HTTP, clock frozen at _about.now. */
const { app, dir: DIR } = describeCaseFolder('rule set 2 sample cases through HTTP', join(ROOT, 'fixtures', 'cases', 'rule-set-2'), /^r\d+.*\.json$/);

describe('rule set 2 sample cases: further checks', () => {
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
