import request from 'supertest';
import { expectValidCdsResponse, observation, testApp } from '../helpers';
import { ivDraft, orderRequest } from '../order-fixtures';

/**
 * A draft nested thousands of levels deep (a few kB of `{"x":` …) once overflowed the stack while
 * it was copied into an update suggestion (500). Unknown members are still ignored (CH-20): the
 * order is checked as usual, only the update that would copy the whole draft is left out.
 */

const { app } = testApp();
const mg = observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' });
const DEEP = '"__deep__"';
/** The request as JSON text with `"__deep__"` replaced by a value nested `depth` objects deep (too deep to stringify). */
const withDepth = (body: unknown, depth: number) => JSON.stringify(body).replace(DEEP, `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`);
const body = (depth: number) =>
  withDepth(orderRequest({ observations: [mg], drafts: [{ ...ivDraft({ grams: 4, mgPerMinute: 400 }), extension: [{ url: 'urn:x', valueString: 'x', _deep: '__deep__' }] }] }), depth);
const post = (depth: number) => request(app).post('/cds-services/magnesium-order-sign').set('Content-Type', 'application/json').send(body(depth));
const updates = (cards: Array<{ suggestions?: Array<{ actions?: Array<{ type: string }> }> }>) =>
  cards.flatMap((c) => c.suggestions ?? []).flatMap((s) => s.actions ?? []).filter((a) => a.type === 'update').length;

test('a draft nested 5000 levels deep: 200 with the rate card, and no update that copies the draft', async () => {
  const res = await post(5000);
  expect(res.status).toBe(200);
  const { cards } = expectValidCdsResponse(res.body);
  expect(cards.map((c) => c.summary)).toContainEqual(expect.stringMatching(/faster than/));
  expect(updates(cards)).toBe(0);
});

test('a draft nested as deep as real FHIR keeps its update suggestion', async () => {
  const res = await post(20);
  expect(res.status).toBe(200);
  const { cards } = expectValidCdsResponse(res.body);
  expect(cards.map((c) => c.summary)).toContainEqual(expect.stringMatching(/faster than/));
  expect(updates(cards)).toBe(1);
});
