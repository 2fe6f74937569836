import nock from 'nock';
import request from 'supertest';
import type { KeyLike } from 'jose';
import { hookRequest, observation } from '../helpers';
import { jwksServer, mint, registeredClients, sandboxPrivateKey, securedApp } from './tokens';

/**
 * CH-27/28: with authentication required the service calls back only the calling client's own
 * FHIR servers, and the access token goes nowhere else.
 */
const SANDBOX_FHIR = 'https://launch.smarthealthit.org/v/r4/fhir';
const ACCESS_TOKEN = 'access-token-for-the-listed-server';

let sandboxKey: KeyLike;
let epicJwks: Awaited<ReturnType<typeof jwksServer>>;
beforeAll(async () => {
  sandboxKey = await sandboxPrivateKey();
  epicJwks = await jwksServer([]);
});
afterAll(async () => {
  await epicJwks.close();
  nock.cleanAll();
});
afterEach(() => nock.cleanAll());

/** Everything fetched: no prefetch at all. */
function fetchEverything(fhirServer: string, withToken = true) {
  return hookRequest({
    omit: ['patient', 'observations', 'conditions', 'medications'],
    extra: { fhirServer, ...(withToken ? { fhirAuthorization: { access_token: ACCESS_TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } } : {}) },
  });
}

/** A FHIR server double answering the four prefetch queries with a low magnesium. */
function fhirServerDouble(base: string, seen: string[]) {
  const url = new URL(base);
  return nock(url.origin)
    .persist()
    .get((path) => path.startsWith(url.pathname))
    .reply(function (path) {
      seen.push(String(this.req.headers.authorization));
      if (path.includes('/Patient/')) return [200, { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }];
      const entry = path.includes('/Observation') ? [{ resource: observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' }) }] : [];
      return [200, { resourceType: 'Bundle', type: 'searchset', ...(entry.length ? { entry } : {}) }];
    });
}

it("calls a fhirServer listed for the calling client, with that request's token", async () => {
  const seen: string[] = [];
  const scope = fhirServerDouble(SANDBOX_FHIR, seen);
  const { app, logs } = securedApp(registeredClients(epicJwks.url));
  const res = await request(app)
    .post('/cds-services/hypomagnesemia')
    .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
    .send(fetchEverything(`${SANDBOX_FHIR}/`));
  expect(res.status).toBe(200);
  expect(res.body.cards[0].summary).toMatch(/hypomagnesemia/i);
  expect(scope.isDone()).toBe(true);
  expect(seen).toHaveLength(4);
  expect(new Set(seen)).toEqual(new Set([`Bearer ${ACCESS_TOKEN}`]));
  expect(JSON.parse(logs.lines.at(-1)!).provenance).toEqual({ patient: 'fetched', observations: 'fetched', conditions: 'fetched', medications: 'fetched', administrations: 'prefetch' });
  expect(logs.text()).not.toContain(ACCESS_TOKEN);
});

it('refuses a fhirServer that is not on the list: 412 and nothing is called', async () => {
  const seen: string[] = [];
  const scope = fhirServerDouble('https://attacker.example/fhir', seen);
  const { app } = securedApp(registeredClients(epicJwks.url));
  const res = await request(app)
    .post('/cds-services/hypomagnesemia')
    .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
    .send(fetchEverything('https://attacker.example/fhir'));
  expect(res.status).toBe(412);
  expect(res.body.resourceType).toBe('OperationOutcome');
  expect(seen).toEqual([]);
  expect(scope.isDone()).toBe(false);
});

it("refuses another client's fhirServer and a path beside the listed base", async () => {
  const { app } = securedApp(registeredClients(epicJwks.url));
  for (const fhirServer of ['https://fhir.epic.test/api/FHIR/R4', `${SANDBOX_FHIR}/../other`, 'https://launch.smarthealthit.org/v/r4/fhir-evil']) {
    const seen: string[] = [];
    fhirServerDouble(fhirServer, seen);
    const res = await request(app)
      .post('/cds-services/hypomagnesemia')
      .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
      .send(fetchEverything(fhirServer));
    expect(res.status).toBe(412);
    expect(seen).toEqual([]);
    nock.cleanAll();
  }
});

it('refuses plain http for a listed server when http is not allowed', async () => {
  const clients = registeredClients(epicJwks.url).map((c) => ({ ...c, fhirServers: [...c.fhirServers, 'http://fhir.plain.test/r4'] }));
  const seen: string[] = [];
  fhirServerDouble('http://fhir.plain.test/r4', seen);
  const { app } = securedApp(clients, { FHIR_ALLOW_HTTP: 'false' });
  const res = await request(app)
    .post('/cds-services/hypomagnesemia')
    .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
    .send(fetchEverything('http://fhir.plain.test/r4'));
  expect(res.status).toBe(412);
  expect(seen).toEqual([]);
});

it('in production, a fhirServer without fhirAuthorization is not called (CH-27a)', async () => {
  const seen: string[] = [];
  fhirServerDouble(SANDBOX_FHIR, seen);
  // Production with the sandbox client injected directly (a production clients file could not name it).
  const { app } = securedApp(registeredClients(epicJwks.url), { NODE_ENV: 'production' });
  const send = async (withToken: boolean) =>
    request(app)
      .post('/cds-services/hypomagnesemia')
      .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
      .send(fetchEverything(SANDBOX_FHIR, withToken));
  expect((await send(false)).status).toBe(412);
  expect(seen).toEqual([]);
  expect((await send(true)).status).toBe(200);
  expect(seen).toHaveLength(4);
});

it('a paging link to another origin is not followed, so the token does not leave the listed server', async () => {
  const leaked: string[] = [];
  const other = nock('https://elsewhere.example')
    .persist()
    .get(() => true)
    .reply(function () {
      leaked.push(String(this.req.headers.authorization));
      return [200, { resourceType: 'Bundle', type: 'searchset' }];
    });
  const base = new URL(SANDBOX_FHIR);
  nock(base.origin)
    .persist()
    .get((path) => path.startsWith(base.pathname))
    .reply((path) => {
      if (path.includes('/Patient/')) return [200, { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }];
      return [200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 'https://elsewhere.example/fhir/Observation?page=2' }] }];
    });
  const { app } = securedApp(registeredClients(epicJwks.url));
  const res = await request(app)
    .post('/cds-services/hypomagnesemia')
    .set('Authorization', `Bearer ${await mint({ key: sandboxKey })}`)
    .send(fetchEverything(SANDBOX_FHIR));
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ cards: [] });
  expect(leaked).toEqual([]);
  expect(other.isDone()).toBe(false);
});
