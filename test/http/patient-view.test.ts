import request from 'supertest';
import { CASES_NOW, expectValidCdsResponse, hookRequest, loadCase, observation, testApp } from '../helpers';

const URL = '/cds-services/hypomagnesemia';
const LOW = () => hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] });

function expectOutcome(res: request.Response, status: number, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/json/);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(res.body.issue[0].severity).toBe('error');
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.(js|ts):\d+/); // no stack trace
  if (field) expect(res.body.issue[0].expression).toContain(field);
}

describe('POST /cds-services/hypomagnesemia: request validation (CH-14..CH-20)', () => {
  const { app } = testApp({ env: { BODY_LIMIT_BYTES: '20000' } });

  test('a low magnesium request answers 200 with a valid card', async () => {
    const res = await request(app).post(URL).send(LOW());
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = expectValidCdsResponse(res.body);
    expect(body.cards).toHaveLength(1);
    expect(body.cards[0]!.indicator).toBe('critical');
  });

  test('normal magnesium answers exactly {"cards": []}', async () => {
    const res = await request(app).post(URL).send(hookRequest({ observations: [observation({ code: '19123-9', value: 2.0, unit: 'mg/dL' })] }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('{"cards":[]}');
  });

  test.each([
    ['hook', (b: any) => delete b.hook],
    ['hookInstance', (b: any) => delete b.hookInstance],
    ['context', (b: any) => delete b.context],
    ['context.patientId', (b: any) => delete b.context.patientId],
    ['context.patientId', (b: any) => (b.context.patientId = 42)],
    ['context.patientId', (b: any) => (b.context.patientId = '../../Observation?x=1')],
    ['hookInstance', (b: any) => (b.hookInstance = ['not', 'a', 'string'])],
    ['hookInstance', (b: any) => (b.hookInstance = 'bad\u0000one')],
    ['fhirServer', (b: any) => (b.fhirServer = 'ftp://ehr.example.org')],
    ['prefetch.patient', (b: any) => (b.prefetch.patient = 'Patient/1')],
    ['fhirServer', (b: any) => (b.fhirAuthorization = { access_token: 'x', token_type: 'Bearer' })],
  ])('400 naming %s', async (field, mutate) => {
    const body = LOW();
    mutate(body);
    const res = await request(app).post(URL).send(body);
    expectOutcome(res, 400, field);
  });

  test('a hook that does not match the service is refused (CH-19)', async () => {
    const res = await request(app).post(URL).send({ ...LOW(), hook: 'order-sign' });
    expectOutcome(res, 400, 'hook');
    expect(res.body.issue[0].details.text).toMatch(/patient-view/);
  });

  test('a body that is not JSON is a 400, whatever its content type', async () => {
    expectOutcome(await request(app).post(URL).set('Content-Type', 'application/json').send('{"hook": '), 400);
    expectOutcome(await request(app).post(URL).set('Content-Type', 'text/plain').send('hello'), 400);
    expectOutcome(await request(app).post(URL).set('Content-Type', 'application/json').send('[1,2]'), 400);
    expectOutcome(await request(app).post(URL), 400);
  });

  test('a body over the configured limit is a 413', async () => {
    const big = LOW();
    big.extension = { 'org.example.padding': { text: 'x'.repeat(30_000) } };
    expectOutcome(await request(app).post(URL).send(big), 413);
  });

  test('unknown fields, extensions, a Patient userId and no encounterId pass (CH-17, CH-20, T11)', async () => {
    const plain = await request(app).post(URL).send(LOW());
    const extra = LOW();
    extra.extension = { 'com.example.x': { a: 1 } };
    extra.somethingNew = true;
    extra.context.userId = 'Patient/pat-1';
    extra.context.somethingElse = 'value';
    extra.prefetch.unrelatedKey = { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const res = await request(app).post(URL).send(extra);
    expect(res.status).toBe(200);
    expectValidCdsResponse(res.body);
    expect(res.body.cards.map((c: any) => c.summary)).toEqual(plain.body.cards.map((c: any) => c.summary));
  });

  test('fhirAuthorization with every 2.0 field is accepted', async () => {
    const body = { ...LOW(), fhirServer: 'https://ehr.example.org/fhir', fhirAuthorization: { access_token: 'abc', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'client' } };
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(200);
  });

  test('unknown service → 404; GET on a service → 405; unknown path → 404, all JSON', async () => {
    expectOutcome(await request(app).post('/cds-services/does-not-exist').send(LOW()), 404);
    const get = await request(app).get(URL);
    expectOutcome(get, 405);
    expect(get.headers.allow).toBe('POST');
    expectOutcome(await request(app).get('/nothing-here'), 404);
    expectOutcome(await request(app).post('/cds-services/does-not-exist/feedback').send({}), 404);
  });

  test('CORS headers on POST replies and on errors', async () => {
    const pre = await request(app)
      .options(URL)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(pre.status).toBeLessThan(300);
    expect(pre.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(pre.headers['access-control-allow-headers']).toMatch(/content-type/i);
    const ok = await request(app).post(URL).set('Origin', 'https://sandbox.cds-hooks.org').send(LOW());
    expect(ok.headers['access-control-allow-origin']).toBe('*');
    const bad = await request(app).post(URL).set('Origin', 'https://sandbox.cds-hooks.org').send({});
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('*');
  });

  test('card and suggestion uuids are fresh for every call (CH-41)', async () => {
    const a = expectValidCdsResponse((await request(app).post(URL).send(LOW())).body);
    const b = expectValidCdsResponse((await request(app).post(URL).send(LOW())).body);
    const ids = (r: typeof a) => r.cards.flatMap((c) => [c.uuid, ...(c.suggestions ?? []).map((s) => s.uuid)]);
    const all = [...ids(a), ...ids(b)];
    expect(new Set(all).size).toBe(all.length);
  });

  test('responses only speak of the requested patient (no cross-talk, T18)', async () => {
    const requests = ['p02_mild_1_6.json', 'p03_severe_0_9.json', 'p07_egfr_25_severe.json', 'p09_child_15kg.json'].map(loadCase);
    const responses = await Promise.all(requests.map((body) => request(app).post(URL).send(body)));
    responses.forEach((res, i) => {
      const own = requests[i].context.patientId;
      const others = requests.map((r) => r.context.patientId).filter((p: string) => p !== own);
      const text = JSON.stringify(res.body);
      expect(text).toContain(`Patient/${own}`);
      for (const other of others) expect(text).not.toContain(other);
    });
  });

  test('resources about another patient in the prefetch are never used', async () => {
    const body = hookRequest({
      observations: [
        observation({ code: '19123-9', value: 2.1, unit: 'mg/dL', hoursAgo: 5 }),
        observation({ code: '19123-9', value: 0.7, unit: 'mg/dL', hoursAgo: 1, patientId: 'someone-else' }),
      ],
    });
    const res = await request(app).post(URL).send(body);
    expect(res.body).toEqual({ cards: [] });
  });

  test('the draft orders reference the patient and the encounter of the context', async () => {
    const body = LOW();
    body.context.encounterId = 'enc-7';
    const res = await request(app).post(URL).send(body);
    const resources = res.body.cards[0].suggestions.flatMap((s: any) => s.actions.map((a: any) => a.resource));
    for (const r of resources) {
      expect(r.subject).toEqual({ reference: 'Patient/pat-1' });
      expect(r.encounter).toEqual({ reference: 'Encounter/enc-7' });
      expect(r.status).toBe('draft');
      expect(r.authoredOn).toBe(CASES_NOW.toISOString());
    }
  });
});

describe('administrations not checked (R-ORD-2)', () => {
  test('the note names the configured administration window, not a fixed 24 h', async () => {
    const { app } = testApp({ rules: { administrations: { windowHours: 12 } } });
    const body = hookRequest({ observations: [observation({ code: '19123-9', value: 1.0, unit: 'mg/dL' })], omit: ['administrations'] });
    const res = await request(app).post('/cds-services/hypomagnesemia').send(body);
    expect(res.status).toBe(200);
    const detail = expectValidCdsResponse(res.body).cards[0]!.detail ?? '';
    expect(detail).toContain('a dose given in the last 12 h was not checked');
    expect(detail).not.toContain('last 24 h');
  });
});
