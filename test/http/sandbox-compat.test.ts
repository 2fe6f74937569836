import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { SignJWT, decodeProtectedHeader, type KeyLike } from 'jose';
import request from 'supertest';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logging';
import { createSecurity } from '../../src/security';
import { loadClients } from '../../src/security/clients';
import { expectValidCdsResponse, observation, readJson, ROOT, testApp } from '../helpers';
import { DEVELOPMENT_PROFILE, sandboxPrivateKey } from '../security/tokens';

/**
 * Replays what the CDS Hooks sandbox sends (docs: cds-hooks-2.0.md §2, sandbox-client.md §2-3):
 * CORS preflights, discovery GET with its ES384 JWT, the patient-view POST with fhirServer and no
 * fhirAuthorization, and feedback after a suggestion click or a dismiss. Development profile; the
 * service clock is the sample cases' instant, which the observations' ages are relative to.
 *
 * Client authentication is ON with the shipped development profile (config/clients/development.json):
 * tokens are minted exactly like the sandbox's, with its published test key, and checked by the real
 * verifier against the URL called. The profile's sandbox client gets the tester's local FHIR server
 * added to its fhirServers, as the profile's description tells a developer to do.
 */

const ORIGIN = 'https://sandbox.cds-hooks.org';
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_KID = '44823f3d-0b01-4a6c-a80e-b9d3e8a7226f';
const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';
const PATIENT_ID = 'mg-low-1';

let privateKey: KeyLike;
const sandboxJwks = readJson<{ keys: Array<Record<string, unknown>> }>(ROOT, 'config', 'clients', 'sandbox-jwks.json');

/** The sandbox's token: ES384, typ JWT, its kid and jku; iss, aud = URL called, iat, exp = iat + 300, jti. */
async function sandboxToken(aud: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES384', typ: 'JWT', kid: SANDBOX_KID, jku: SANDBOX_JKU })
    .setIssuer(SANDBOX_ISS)
    .setAudience(aud)
    .setIssuedAt(iat)
    .setExpirationTime(iat + 300)
    .setJti(randomUUID())
    .sign(privateKey);
}

// --- the tester's open FHIR server (only called for keys the sandbox could not prefetch)
interface FhirCall {
  url: string;
  authorization: string | undefined;
}
const fhirCalls: FhirCall[] = [];
const fhirServer: Server = createServer((req: IncomingMessage, res) => {
  fhirCalls.push({ url: req.url ?? '', authorization: req.headers.authorization });
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  // What the sandbox's test server gives for an empty search: no `entry` member.
  res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: 0 }));
});

// --- the service: development profile with client authentication required
const store = new MemoryFeedbackStore();
let base = '';
let app: Express;
const service: Server = createServer((req, res) => app(req, res));

const listen = (s: Server) => new Promise<string>((resolve) => s.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(s.address() as AddressInfo).port}`)));

let fhirBase = '';
beforeAll(async () => {
  privateKey = await sandboxPrivateKey();
  base = await listen(service);
  fhirBase = `${await listen(fhirServer)}/fhir`;
  const env = { NODE_ENV: 'development', CDS_AUTH: 'required', CDS_CLIENTS_FILE: DEVELOPMENT_PROFILE, CDS_PUBLIC_URL: base };
  const clients = loadClients(DEVELOPMENT_PROFILE, { production: false }).map((c) => ({ ...c, fhirServers: [...c.fhirServers, fhirBase] }));
  const security = createSecurity(loadConfig(env), createLogger('silent'), { clients });
  ({ app } = testApp({ env, feedbackStore: store, ...security }));
});

afterAll(async () => {
  await new Promise((resolve) => service.close(resolve));
  await new Promise((resolve) => fhirServer.close(resolve));
});

beforeEach(() => {
  fhirCalls.length = 0;
});

/** The hook body, members in the sandbox's order; `omit` drops prefetch keys the sandbox could not fill. */
function sandboxHookBody(omit: string[] = []): Record<string, unknown> {
  const observations = [
    observation({ code: '19123-9', value: 1.1, unit: 'mg/dL', hoursAgo: 3, patientId: PATIENT_ID, id: 'mg-1' }),
    observation({ code: '19123-9', value: 1.5, unit: 'mg/dL', hoursAgo: 30, patientId: PATIENT_ID, id: 'mg-0' }),
    observation({ code: '2823-3', value: 4.0, unit: 'mmol/L', hoursAgo: 3, patientId: PATIENT_ID, id: 'k-1' }),
  ];
  const prefetch: Record<string, unknown> = {
    patient: { resourceType: 'Patient', id: PATIENT_ID, name: [{ given: ['Maria'], family: 'Low' }], gender: 'female', birthDate: '1961-04-02' },
    observations: {
      resourceType: 'Bundle',
      type: 'searchset',
      total: observations.length,
      entry: observations.map((resource) => ({ search: { mode: 'match' }, resource })),
    },
    // An empty search as the sandbox passes it through: total 0, no `entry`.
    conditions: { resourceType: 'Bundle', type: 'searchset', total: 0 },
    medications: { resourceType: 'Bundle', type: 'searchset', total: 0 },
    // Keys of other services' templates (the sandbox sends whatever its templates resolved).
    practitioner: { resourceType: 'Practitioner', id: 'COREPRACTITIONER1', name: [{ given: ['Core'], family: 'Practitioner' }] },
  };
  for (const key of omit) delete prefetch[key];
  return {
    hookInstance: randomUUID(),
    hook: 'patient-view',
    fhirServer: fhirBase,
    context: { patientId: PATIENT_ID, userId: 'Practitioner/COREPRACTITIONER1' },
    prefetch,
  };
}

function expectCorsPreflight(res: request.Response, method: string): void {
  expect(res.status).toBeGreaterThanOrEqual(200);
  expect(res.status).toBeLessThan(300);
  expect([ORIGIN, '*']).toContain(res.headers['access-control-allow-origin']);
  expect(res.headers['access-control-allow-methods']).toEqual(expect.stringContaining(method));
  const allowed = (res.headers['access-control-allow-headers'] ?? '').toLowerCase().split(/\s*,\s*/);
  expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type']));
}

const preflight = (path: string, method: string, headers: string) =>
  request(base).options(path).set('Origin', ORIGIN).set('Access-Control-Request-Method', method).set('Access-Control-Request-Headers', headers);

describe('CDS Hooks sandbox, replayed', () => {
  test('the tokens are the sandbox\'s shape: ES384 with its kid and jku, a 96-byte signature, aud = URL', async () => {
    const token = await sandboxToken(`${base}/cds-services`);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES384', typ: 'JWT', kid: SANDBOX_KID, jku: SANDBOX_JKU });
    expect(Buffer.from(token.split('.')[2]!, 'base64url')).toHaveLength(96);
    expect(sandboxJwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-384', kid: SANDBOX_KID });
  });

  test('CORS preflights for discovery, the service and feedback succeed without a token', async () => {
    expectCorsPreflight(await preflight('/cds-services', 'GET', 'authorization'), 'GET');
    expectCorsPreflight(await preflight('/cds-services/hypomagnesemia', 'POST', 'authorization,content-type'), 'POST');
    expectCorsPreflight(await preflight('/cds-services/hypomagnesemia/feedback', 'POST', 'authorization,content-type'), 'POST');
  });

  test('client authentication is really on: no token, a replayed token or another endpoint\'s token is a 401', async () => {
    expect((await request(base).get('/cds-services').set('Origin', ORIGIN)).status).toBe(401);
    const token = await sandboxToken(`${base}/cds-services`);
    expect((await request(base).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    expect((await request(base).get('/cds-services').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const discoveryToken = await sandboxToken(`${base}/cds-services`);
    const res = await request(base).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${discoveryToken}`).send(sandboxHookBody());
    expect(res.status).toBe(401);
    expect([ORIGIN, '*']).toContain((await request(base).get('/cds-services').set('Origin', ORIGIN)).headers['access-control-allow-origin']);
  });

  test('discovery: GET with Accept, a Bearer JWT and the sandbox Origin', async () => {
    const url = `${base}/cds-services`;
    const res = await request(base).get('/cds-services').set('Accept', 'application/json').set('Authorization', `Bearer ${await sandboxToken(url)}`).set('Origin', ORIGIN);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect([ORIGIN, '*']).toContain(res.headers['access-control-allow-origin']);
    // The sandbox treats an empty list as a failure.
    expect(res.body.services.length).toBeGreaterThan(0);
    expect(res.body.services[0]).toMatchObject({ id: 'hypomagnesemia', hook: 'patient-view' });
  });

  let issued: { card: string; suggestion: string } | undefined;

  test('hook call: fhirServer without fhirAuthorization, all published keys prefetched, extra keys, empty search', async () => {
    const url = `${base}/cds-services/hypomagnesemia`;
    const body = sandboxHookBody();
    expect(Object.keys(body)).toEqual(['hookInstance', 'hook', 'fhirServer', 'context', 'prefetch']);
    const res = await request(base)
      .post('/cds-services/hypomagnesemia')
      .set('Accept', 'application/json')
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${await sandboxToken(url)}`)
      .set('Origin', ORIGIN)
      .send(JSON.stringify(body));
    expect(res.status).toBe(200);
    expect([ORIGIN, '*']).toContain(res.headers['access-control-allow-origin']);
    const response = expectValidCdsResponse(res.body);
    expect(response.cards).toHaveLength(1);
    const card = response.cards[0]!;
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^Severe hypomagnesemia: Mg 1\.1 mg\/dL/);
    // Feedback needs both uuids; the sandbox shows Dismiss only when the card has one.
    expect(card.uuid).toBeDefined();
    const suggestion = card.suggestions?.find((s) => s.isRecommended);
    expect(suggestion?.uuid).toBeDefined();
    issued = { card: card.uuid!, suggestion: suggestion!.uuid! };
    // Everything the recorded call prefetched came from prefetch; it predates the optional
    // administrations key, which alone is read from the tester's FHIR server.
    expect(fhirCalls.map((c) => c.url.split('?')[0])).toEqual(['/fhir/MedicationAdministration']);
  });

  test('a key the sandbox could not prefetch is read from its open FHIR server, with no Authorization header', async () => {
    const res = await request(base)
      .post('/cds-services/hypomagnesemia')
      .set('Content-Type', 'application/json')
      .set('Authorization', `Bearer ${await sandboxToken(`${base}/cds-services/hypomagnesemia`)}`)
      .set('Origin', ORIGIN)
      .send(sandboxHookBody(['medications']));
    expect(res.status).toBe(200);
    expect(expectValidCdsResponse(res.body).cards[0]?.summary).toMatch(/^Severe hypomagnesemia/);
    const calls = fhirCalls.filter((c) => !c.url.startsWith('/fhir/MedicationAdministration'));
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toMatch(new RegExp(`^/fhir/MedicationRequest\\?.*patient=${PATIENT_ID}`));
    expect(calls[0]!.authorization).toBeUndefined();
  });

  test('the sandbox calls again on every discovery answer: each call gets its own card uuids', async () => {
    const call = async () =>
      request(base)
        .post('/cds-services/hypomagnesemia')
        .set('Content-Type', 'application/json')
        .set('Authorization', `Bearer ${await sandboxToken(`${base}/cds-services/hypomagnesemia`)}`)
        .set('Origin', ORIGIN)
        .send(sandboxHookBody());
    const [a, b] = await Promise.all([call(), call()]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.cards[0].uuid).not.toBe(b.body.cards[0].uuid);
  });

  test('feedback after a suggestion click, and after a dismiss with a reason lacking display', async () => {
    expect(issued).toBeDefined();
    const url = `${base}/cds-services/hypomagnesemia/feedback`;
    const send = async (item: Record<string, unknown>) =>
      request(base)
        .post('/cds-services/hypomagnesemia/feedback')
        .set('Accept', 'application/json')
        .set('Content-Type', 'application/json')
        .set('Authorization', `Bearer ${await sandboxToken(url)}`)
        .set('Origin', ORIGIN)
        .send({ feedback: [item] });

    const accepted = await send({ card: issued!.card, outcome: 'accepted', acceptedSuggestions: [{ id: issued!.suggestion }], outcomeTimestamp: new Date().toISOString() });
    expect(accepted.status).toBe(200);
    expect([ORIGIN, '*']).toContain(accepted.headers['access-control-allow-origin']);
    const dismissed = await send({
      card: issued!.card,
      outcome: 'overridden',
      overrideReason: { reason: { code: 'not-indicated', system: 'urn:magnesium-cds:override-reason' } },
      outcomeTimestamp: new Date().toISOString(),
    });
    expect(dismissed.status).toBe(200);

    const records = await store.feedbackFor(issued!.card);
    expect(records.map((r) => r.outcome).sort()).toEqual(['accepted', 'overridden']);
    expect(records.find((r) => r.outcome === 'accepted')?.acceptedSuggestions).toEqual([issued!.suggestion]);
  });
});

