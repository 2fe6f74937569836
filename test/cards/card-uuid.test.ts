import request from 'supertest';
import { hookRequest, observation, testApp } from '../helpers';
import { ivDraft, orderRequest } from '../order-fixtures';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('card and suggestion uuids the service generates', () => {
  const { app } = testApp();
  const lowMg = () => hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] });
  const uuidsOf = (cards: Array<{ uuid?: string; suggestions?: Array<{ uuid?: string }> }>) =>
    cards.flatMap((c) => [c.uuid, ...(c.suggestions ?? []).map((s) => s.uuid)]);

  test('are UUIDv7, and a later answer sorts after an earlier one (the feedback store appends to its index)', async () => {
    const first = await request(app).post('/cds-services/hypomagnesemia').send(lowMg());
    const second = await request(app).post('/cds-services/hypomagnesemia').send(lowMg());
    const a = uuidsOf(first.body.cards);
    const b = uuidsOf(second.body.cards);
    expect(a.length).toBeGreaterThan(1);
    for (const uuid of [...a, ...b]) expect(uuid).toMatch(UUID_V7);
    expect(new Set([...a, ...b]).size).toBe(a.length + b.length);
    expect(b[0]! > a[0]!).toBe(true);
  });

  test('order-check cards get them too', async () => {
    const body = orderRequest({ drafts: [ivDraft({ id: 'mg-1', grams: 4, hours: 1 / 6 })] });
    const res = await request(app).post('/cds-services/magnesium-order-sign').send(body);
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
    for (const uuid of uuidsOf(res.body.cards)) expect(uuid).toMatch(UUID_V7);
  });
});
