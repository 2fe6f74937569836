import request from 'supertest';
import { readdirSync } from 'node:fs';
import { CASES_DIR, CASES_NOW, expectValidCdsResponse, loadCase, readJson, testApp } from '../helpers';
import { outcomeOf } from '../case-oracle';
import { expectCardContract } from '../case-files';

const expected = readJson(CASES_DIR, 'expected.json');
const caseFiles = readdirSync(CASES_DIR).filter((f) => /^p\d+.*\.json$/.test(f));

describe('public sample cases through HTTP (clock frozen at _about.now)', () => {
  const { app } = testApp({ now: () => new Date(expected._about.now) });

  test('the harness clock is the cases\' reference instant', () => {
    expect(new Date(expected._about.now).getTime()).toBe(CASES_NOW.getTime());
    expect(caseFiles.length).toBe(Object.keys(expected.cases).length);
  });

  test.each(caseFiles)('%s', async (file) => {
    const res = await request(app).post('/cds-services/hypomagnesemia').send(loadCase(file));
    expect(res.status).toBe(200);
    const body = expectValidCdsResponse(res.body);
    const { rule_ids: ruleIds, description: _d, ...want } = expected.cases[file];
    expect(outcomeOf(body)).toEqual(want);
    // Every rule the case exercises is among the rules the service reports having fired.
    const fired = body.cards.flatMap((c) => (c.extension?.['org.magnesium-cds.assessment'] as { ruleIds: string[] } | undefined)?.ruleIds ?? []);
    if (body.cards.length > 0) expect(fired).toEqual(expect.arrayContaining(ruleIds));
    for (const card of body.cards) expectCardContract(card);
  });
});
