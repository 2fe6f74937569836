import nock from 'nock';
import request from 'supertest';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { expectValidCdsResponse, observation, testApp } from '../helpers';
import { ivDraft, orderRequest, sandboxDraft } from '../order-fixtures';

const SELECT = '/cds-services/magnesium-order-select';
const SIGN = '/cds-services/magnesium-order-sign';
const mg = (value: number, hoursAgo = 2) => observation({ code: '19123-9', value, unit: 'mg/dL', hoursAgo });

describe('order services over HTTP', () => {
  const store = new MemoryFeedbackStore();
  const { app, logs } = testApp({ feedbackStore: store });

  test('discovery lists all three services, each order service with the four 2.0 prefetch keys', async () => {
    const res = await request(app).get('/cds-services');
    const services = res.body.services as Array<{ id: string; hook: string; description: string; prefetch: Record<string, string> }>;
    expect(services.map((s) => [s.id, s.hook])).toEqual([
      ['hypomagnesemia', 'patient-view'],
      ['magnesium-order-select', 'order-select'],
      ['magnesium-order-sign', 'order-sign'],
    ]);
    for (const s of services.slice(1)) {
      expect(Object.keys(s.prefetch).sort()).toEqual(['conditions', 'medications', 'observations', 'patient']);
      for (const template of Object.values(s.prefetch)) expect(template).not.toMatch(/draftOrders|selections|today\(/);
      expect(s.description).toMatch(/150 mg\/min/);
    }
  });

  test('order-sign: an IV draft at 4 g over 10 min is critical and the update keeps the id at 1 g/h', async () => {
    const res = await request(app).post(SIGN).send(orderRequest({ observations: [mg(1.5)], drafts: [ivDraft({ id: 'iv-fast', grams: 4, hours: 1 / 6 })] }));
    expect(res.status).toBe(200);
    const body = expectValidCdsResponse(res.body);
    const card = body.cards.find((c) => c.summary.includes('150 mg/min'))!;
    expect(card.indicator).toBe('critical');
    expect(card.detail).toContain('MedicationRequest/iv-fast');
    const action = card.suggestions![0]!.actions![0]!;
    expect(action.type).toBe('update');
    const resource = action.resource as any;
    expect(resource.id).toBe('iv-fast');
    expect(resource.dosageInstruction[0].doseAndRate[0]).toEqual({
      doseQuantity: expect.objectContaining({ value: 4, code: 'g' }),
      rateQuantity: expect.objectContaining({ value: 1, code: 'g/h' }),
    });
    expect(resource.dosageInstruction[0].timing.repeat).toMatchObject({ duration: 4, durationUnit: 'h' });
  });

  test('order-select checks only the selections; unselected drafts count as existing orders', async () => {
    const drafts = [ivDraft({ id: 'iv-a', grams: 2, hours: 2 }), ivDraft({ id: 'iv-b', grams: 4, hours: 0.25 })];
    const onlyA = expectValidCdsResponse((await request(app).post(SELECT).send(orderRequest({ observations: [mg(1.5)], drafts, selections: ['MedicationRequest/iv-a'] }))).body);
    // iv-a is fine on its own, but iv-b (unselected) already orders IV magnesium: duplicate.
    expect(onlyA.cards.map((c) => (c.extension as any)['org.magnesium-cds.assessment'].kind)).toEqual(['duplicate']);
    const del = onlyA.cards[0]!.suggestions![0]!.actions![0]!;
    expect(del).toEqual({ type: 'delete', description: expect.any(String), resourceId: 'MedicationRequest/iv-a' });
  });

  test('no magnesium order, or a draft with no medication yet, is {"cards": []}', async () => {
    const empty = { resourceType: 'MedicationRequest', id: 'request-123', status: 'draft', subject: { reference: 'Patient/pat-1' }, authoredOn: '2026-11-22' };
    const other = { ...sandboxDraft(), medicationCodeableConcept: { text: 'Lisinopril 10 MG Oral Tablet' } };
    for (const drafts of [[empty], [other]]) {
      const res = await request(app).post(SELECT).send(orderRequest({ observations: [mg(1.5)], drafts, selections: ['MedicationRequest/request-123'] }));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ cards: [] });
      expectValidCdsResponse(res.body);
    }
  });

  test('magnesium-containing antacids get only the high-magnesium "do not give"', async () => {
    const antacid = sandboxDraft({ text: 'Aluminum Hydroxide 40 MG/ML / Magnesium Hydroxide 40 MG/ML Oral Suspension', code: '1' });
    const normal = expectValidCdsResponse((await request(app).post(SIGN).send(orderRequest({ observations: [mg(2.0)], drafts: [antacid] }))).body);
    expect(normal.cards).toEqual([]);
    const high = expectValidCdsResponse((await request(app).post(SIGN).send(orderRequest({ observations: [mg(4.2)], drafts: [antacid] }))).body);
    expect(high.cards).toHaveLength(1);
    expect(high.cards[0]).toMatchObject({ indicator: 'critical', source: { topic: { code: '66978005' } } });
    expect(high.cards[0]!.summary).toMatch(/do not give/);
  });

  test('multivitamins and magnesium salicylate are not checked', async () => {
    for (const text of ['Magnesium Salicylate 580 MG Oral Tablet', 'Multivitamin with minerals, magnesium 100 MG Oral Tablet']) {
      const res = await request(app).post(SIGN).send(orderRequest({ observations: [mg(4.2)], drafts: [sandboxDraft({ text, code: '2' })] }));
      expect(res.body).toEqual({ cards: [] });
    }
  });

  test('wrong context shape is a 400 naming the field; a hook sent to the wrong service is a 400', async () => {
    const noBundle = orderRequest({ drafts: [] });
    noBundle.context.draftOrders = { resourceType: 'Patient' };
    const res = await request(app).post(SIGN).send(noBundle);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('context.draftOrders');
    const noSelections = orderRequest({ drafts: [sandboxDraft()] });
    noSelections.hook = 'order-select';
    const res2 = await request(app).post(SELECT).send(noSelections);
    expect(res2.status).toBe(400);
    expect(JSON.stringify(res2.body)).toContain('context.selections');
    const wrongHook = orderRequest({ drafts: [sandboxDraft()], selections: ['MedicationRequest/request-123'] });
    const res3 = await request(app).post(SIGN).send(wrongHook);
    expect(res3.status).toBe(400);
    expect(JSON.stringify(res3.body)).toContain('hook');
    const pv = orderRequest({ drafts: [sandboxDraft()] });
    const res4 = await request(app).post('/cds-services/hypomagnesemia').send(pv);
    expect(res4.status).toBe(400);
  });

  test('unknown context fields pass; a bare encounterId is accepted', async () => {
    const body = orderRequest({ observations: [mg(1.5)], drafts: [sandboxDraft()] });
    body.context.encounterId = 'enc-1';
    body.context.somethingNew = { a: 1 };
    const res = await request(app).post(SIGN).send(body);
    expect(res.status).toBe(200);
    expectValidCdsResponse(res.body);
  });

  test('an active IV order plus drafts above 40 g in 24 h is critical (oral is not counted)', async () => {
    const active = { ...ivDraft({ id: 'iv-active', grams: 4, hours: 4, everyHours: 4, status: 'active' }) };
    const res = await request(app).post(SIGN).send(orderRequest({ observations: [mg(1.0)], medications: [active], drafts: [ivDraft({ id: 'iv-new', grams: 20, hours: 20 })] }));
    const body = expectValidCdsResponse(res.body);
    const over = body.cards.find((c) => /24 h maximum/.test(c.summary))!;
    expect(over.indicator).toBe('critical');
    expect(over.summary).toContain('44 g');
  });

  test('feedback for an order-sign card is stored with that card\'s rule IDs', async () => {
    const res = await request(app).post(SIGN).send(orderRequest({ observations: [mg(2.2)], drafts: [sandboxDraft()] }));
    const card = expectValidCdsResponse(res.body).cards.find((c) => /normal/.test(c.summary))!;
    const suggestion = card.suggestions![0]!.uuid!;
    const fb = await request(app)
      .post(`${SIGN}/feedback`)
      .send({ feedback: [{ card: card.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: suggestion }], outcomeTimestamp: '2026-11-22T12:09:24.932Z' }] });
    expect(fb.status).toBe(200);
    const issued = await store.issuedCard(card.uuid!);
    expect(issued).toMatchObject({ serviceId: 'magnesium-order-sign', indicator: 'info' });
    expect(issued!.ruleIds).toEqual(['R-OS-3']);
    expect(await store.feedbackFor(card.uuid!)).toEqual([expect.objectContaining({ outcome: 'accepted', acceptedSuggestions: [suggestion] })]);
  });

  test('one log line per call names the service and rule IDs, never the patient', async () => {
    await request(app).post(SIGN).send(orderRequest({ patientId: 'secret-patient-77', observations: [observation({ code: '19123-9', value: 2.2, unit: 'mg/dL', patientId: 'secret-patient-77' })], drafts: [sandboxDraft({ patientId: 'secret-patient-77' })] }));
    const lines = logs.lines.filter((l) => l.includes('magnesium-order-sign') && l.includes('R-OS-3'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(logs.text()).not.toContain('secret-patient-77');
    // Metrics count each card under its own rule IDs.
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/cards[a-z_]*\{indicator="info",rule="R-OS-3"\} [1-9]/);
    expect(metrics.text).not.toContain('secret-patient-77');
  });

  test('an absent medications key is read from fhirServer with the bearer token: the active IV order makes the draft a duplicate', async () => {
    const scope = nock('https://ehr.example.org', { reqheaders: { authorization: 'Bearer tkn-orders' } })
      .get('/fhir/MedicationRequest')
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: ivDraft({ id: 'iv-active', grams: 2, hours: 2, status: 'active' }) }] });
    const body = orderRequest({ observations: [mg(1.5)], drafts: [ivDraft({ id: 'iv-new', grams: 2, hours: 2 })], omit: ['medications'] });
    body.fhirServer = 'https://ehr.example.org/fhir';
    body.fhirAuthorization = { access_token: 'tkn-orders', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' };
    const res = await request(app).post(SIGN).send(body);
    expect(scope.isDone()).toBe(true);
    const cards = expectValidCdsResponse(res.body).cards;
    expect(cards.map((c) => c.summary)).toEqual([expect.stringMatching(/^Duplicate magnesium order/)]);
    expect(logs.text()).not.toContain('tkn-orders');
    nock.cleanAll();
  });

  test('a required prefetch key that is absent with no fhirServer to read it from is a 412', async () => {
    const body = orderRequest({ observations: [mg(1.5)], drafts: [sandboxDraft()], omit: ['observations'] });
    const res = await request(app).post(SIGN).send(body);
    expect(res.status).toBe(412);
  });
});
