import nock from 'nock';
import request from 'supertest';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

const URL = '/cds-services/hypomagnesemia';
const FHIR = 'https://ehr.example.org';
const BASE = `${FHIR}/fhir`;
const TOKEN = 'tkn-secret-123';

const patient = { resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '1970-01-01' };
const searchset = (resources: unknown[], next?: string) => ({
  resourceType: 'Bundle',
  type: 'searchset',
  ...(resources.length ? { entry: resources.map((resource) => ({ resource })) } : {}),
  ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
});
const lowMg = observation({ code: '19123-9', value: 1.0, unit: 'mg/dL' });

/** A request with no prefetch at all (or only some keys), pointing at the mock FHIR server. */
function callbackRequest(keep: string[] = [], withToken = true) {
  const body = hookRequest({ observations: [lowMg] });
  for (const key of Object.keys(body.prefetch)) if (!keep.includes(key)) delete body.prefetch[key];
  if (keep.length === 0) delete body.prefetch;
  body.fhirServer = BASE;
  if (withToken) body.fhirAuthorization = { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' };
  return body;
}

/** Mocks all four prefetch queries; `overrides` replaces the reply for one resource type. */
function mockAll(overrides: Partial<Record<'Patient' | 'Observation' | 'Condition' | 'MedicationRequest', (scope: nock.Interceptor) => nock.Scope>> = {}) {
  const auth = { reqheaders: { authorization: `Bearer ${TOKEN}` } };
  const scope = nock(FHIR, auth);
  const reply = {
    Patient: (i: nock.Interceptor) => i.reply(200, patient),
    Observation: (i: nock.Interceptor) => i.reply(200, searchset([lowMg])),
    Condition: (i: nock.Interceptor) => i.reply(200, searchset([])),
    MedicationRequest: (i: nock.Interceptor) => i.reply(200, searchset([])),
    ...overrides,
  };
  reply.Patient(scope.get('/fhir/Patient/pat-1'));
  reply.Observation(scope.get('/fhir/Observation').query(true));
  reply.Condition(scope.get('/fhir/Condition').query(true));
  reply.MedicationRequest(scope.get('/fhir/MedicationRequest').query(true));
  return scope;
}

describe('data gathering: prefetch and FHIR callbacks (CH-21..CH-27)', () => {
  const { app, logs } = testApp({ env: { FHIR_TIMEOUT_MS: '300' } });
  afterEach(() => nock.cleanAll());

  test('no prefetch: all four keys are fetched with the bearer token and the answer equals the prefetch one', async () => {
    const scope = mockAll();
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    const body = expectValidCdsResponse(res.body);
    expect(body.cards[0]!.summary).toMatch(/Severe hypomagnesemia: Mg 1\.0 mg\/dL/);
    const prefetched = await request(app).post(URL).send(hookRequest({ patient, observations: [lowMg] }));
    expect(body.cards.map((c) => c.summary)).toEqual(prefetched.body.cards.map((c: any) => c.summary));
    expect(logs.text()).not.toContain(TOKEN);
  });

  test('the observation query is the published template with the patient id filled in', async () => {
    let query: Record<string, string> = {};
    const scope = mockAll({
      Observation: (i) =>
        i.reply((uri) => {
          query = Object.fromEntries(new globalThis.URL(uri, FHIR).searchParams);
          return [200, searchset([lowMg])];
        }),
    });
    await request(app).post(URL).send(callbackRequest());
    expect(scope.isDone()).toBe(true);
    expect(query.patient).toBe('pat-1');
    expect(query._sort).toBe('-date');
    expect(query.code).toContain('http://loinc.org|19123-9');
  });

  test('only absent keys are fetched; null and empty Bundles mean "no data"', async () => {
    const scope = nock(FHIR).get('/fhir/Condition').query(true).reply(200, searchset([]));
    const body = callbackRequest(['patient', 'observations', 'medications']);
    body.prefetch = { patient, observations: searchset([lowMg]), medications: null };
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    expect(res.body.cards).toHaveLength(1);
    expect(logs.text()).toMatch(/"medications":"null"/);
    expect(logs.text()).toMatch(/"conditions":"fetched"/);
  });

  test('a null observations key is "no data": 200 with no card, nothing fetched', async () => {
    const body = hookRequest({ patient });
    body.prefetch.observations = null;
    body.fhirServer = BASE;
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  test('prefetch keys named like built-in properties are just unknown keys', async () => {
    const body = hookRequest({ patient, observations: [lowMg] });
    body.prefetch.constructor = null;
    body.prefetch.toString = { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(200);
    expect(res.body.cards).toHaveLength(1);
    const line = logs.lines.map((l) => JSON.parse(l)).filter((l) => l.route === '/cds-services/:id').pop();
    expect(Object.keys(line.provenance).sort()).toEqual(['administrations', 'conditions', 'medications', 'observations', 'patient']);
  });

  test('an empty searchset with total 0 and no entry is "no data" (T06)', async () => {
    const body = hookRequest({ patient });
    body.prefetch.observations = { resourceType: 'Bundle', type: 'searchset', total: 0 };
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [] });
  });

  test('no prefetch and no fhirServer → 412 (T07)', async () => {
    const body = hookRequest();
    delete body.prefetch;
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(expect.arrayContaining(['prefetch.patient', 'prefetch.observations']));
    expect(logs.text()).toMatch(/"status":412[^\n]*"provenance":\{"patient":"failed","observations":"failed","conditions":"failed","medications":"failed","administrations":"failed"\}/);
  });

  test('an OperationOutcome in prefetch is unsatisfied: refetched when a server is there, else 412 (T10)', async () => {
    const outcome = { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] };
    const noServer = hookRequest({ patient, observations: [lowMg] });
    noServer.prefetch.observations = outcome;
    expect((await request(app).post(URL).send(noServer)).status).toBe(412);

    const scope = nock(FHIR).get('/fhir/Observation').query(true).reply(200, searchset([lowMg]));
    const withServer = { ...noServer, fhirServer: BASE };
    const res = await request(app).post(URL).send(withServer);
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
    expect(res.body.cards).toHaveLength(1);
  });

  test.each([
    ['401', (i: nock.Interceptor) => i.reply(401, { resourceType: 'OperationOutcome' })],
    ['403', (i: nock.Interceptor) => i.reply(403)],
    ['500', (i: nock.Interceptor) => i.reply(500, 'oops')],
    ['search 404', (i: nock.Interceptor) => i.reply(404)],
    ['malformed JSON', (i: nock.Interceptor) => i.reply(200, '{"resourceType": "Bundle", ', { 'Content-Type': 'application/fhir+json' })],
    ['a non-Bundle answer', (i: nock.Interceptor) => i.reply(200, patient)],
    ['an OperationOutcome answer', (i: nock.Interceptor) => i.reply(200, { resourceType: 'OperationOutcome', issue: [] })],
    ['a redirect', (i: nock.Interceptor) => i.reply(302, '', { Location: 'https://elsewhere.example.com/fhir/Observation' })],
    ['a timeout', (i: nock.Interceptor) => i.delay(1000).reply(200, searchset([lowMg]))],
  ])('observations callback fails with %s → 412, quickly', async (_name, fail) => {
    mockAll({ Observation: fail });
    const started = Date.now();
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(412);
    expect(res.body.issue[0].expression).toEqual(['prefetch.observations']);
    expect(Date.now() - started).toBeLessThan(900);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  test('a Patient read that finds nothing (404) is "no data": the card warns that age is unknown', async () => {
    mockAll({ Patient: (i) => i.reply(404) });
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    expect(res.body.cards[0].detail).toMatch(/Age not known/);
  });

  test('conditions or medications that cannot be fetched do not hide the advice; the card says what was not checked', async () => {
    mockAll({ Condition: (i) => i.reply(500), MedicationRequest: (i) => i.reply(403) });
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    const detail = expectValidCdsResponse(res.body).cards[0]!.detail!;
    expect(detail).toMatch(/Not checked.*active conditions/);
    expect(detail).toMatch(/Not checked.*active medication orders/);
  });

  test('next links are followed on the same server, up to the page cap', async () => {
    const older = observation({ code: '19123-9', value: 1.5, unit: 'mg/dL', hoursAgo: 30, id: 'older' });
    const k = observation({ code: '2823-3', value: 3.1, unit: 'mmol/L', hoursAgo: 3, id: 'k' });
    mockAll({ Observation: (i) => i.reply(200, searchset([lowMg], `${BASE}/Observation?page=2`)) });
    const page2 = nock(FHIR, { reqheaders: { authorization: `Bearer ${TOKEN}` } })
      .get('/fhir/Observation').query({ page: '2' }).reply(200, searchset([older, k], `${BASE}/Observation?page=3`))
      .get('/fhir/Observation').query({ page: '3' }).reply(200, searchset([]));
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    expect(page2.isDone()).toBe(true);
    expect(res.body.cards[0].detail).toMatch(/Potassium is low/);
  });

  test('a next link to another origin is never followed (the token stays home)', async () => {
    mockAll({ Observation: (i) => i.reply(200, searchset([lowMg], 'https://attacker.example.net/fhir/Observation?page=2')) });
    const foreign = nock('https://attacker.example.net').get(/.*/).reply(200, searchset([]));
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    expect(foreign.isDone()).toBe(false);
  });

  test('the callbacks run in parallel', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = (payload: unknown) => (i: nock.Interceptor) =>
      i.reply(async () => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 60));
        inFlight -= 1;
        return [200, payload];
      });
    mockAll({
      Patient: slow(patient),
      Observation: slow(searchset([lowMg])),
      Condition: slow(searchset([])),
      MedicationRequest: slow(searchset([])),
    });
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(200);
    expect(maxInFlight).toBe(4);
  });

  test('without fhirAuthorization the callbacks carry no Authorization header (sandbox open server)', async () => {
    const scope = nock(FHIR, { badheaders: ['authorization'] })
      .get('/fhir/Patient/pat-1').reply(200, patient)
      .get('/fhir/Observation').query(true).reply(200, searchset([lowMg]))
      .get('/fhir/Condition').query(true).reply(200, searchset([]))
      .get('/fhir/MedicationRequest').query(true).reply(200, searchset([]));
    const res = await request(app).post(URL).send(callbackRequest([], false));
    expect(res.status).toBe(200);
    expect(scope.isDone()).toBe(true);
  });
});

describe('fhirServer policy', () => {
  afterEach(() => nock.cleanAll());

  test('plain http fhirServer is not called in production mode → 412', async () => {
    const { app } = testApp({ env: { NODE_ENV: 'production', CDS_AUTH: 'off', FHIR_ALLOW_HTTP: 'false' } });
    const body = callbackRequest();
    body.fhirServer = 'http://ehr.example.org/fhir';
    const scope = nock('http://ehr.example.org').get(/.*/).reply(200, {});
    const res = await request(app).post(URL).send(body);
    expect(res.status).toBe(412);
    expect(scope.isDone()).toBe(false);
  });

  test('a policy hook can refuse a fhirServer', async () => {
    const { app } = testApp({ fhirServerPolicy: () => false });
    const scope = nock(FHIR).get(/.*/).reply(200, {});
    const res = await request(app).post(URL).send(callbackRequest());
    expect(res.status).toBe(412);
    expect(scope.isDone()).toBe(false);
  });
});
