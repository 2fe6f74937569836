import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { KeyLike } from 'jose';
import { callLineLogger, createLogger } from '../../src/logging';
import { hookRequest, logSink, observation, testApp } from '../helpers';
import { jwksServer, mint, registeredClients, sandboxPrivateKey, securedApp } from '../security/tokens';

/**
 * Logs carry one structured line per call and never PHI or secrets: every PHI and token field of
 * the requests below holds a marker string, and no marker may reach the log output.
 */
const M = {
  patientId: 'phi-marker-pid-7731',
  userId: 'Practitioner/phi-marker-user-7732',
  encounterId: 'phi-marker-enc-7733',
  family: 'PhiMarkerFamily7734',
  given: 'PhiMarkerGiven7735',
  mrn: 'PHI-MARKER-MRN-7736',
  phone: '+1-555-PHI-7737',
  address: 'PhiMarkerStreet 7738',
  obsNote: 'phi marker observation note 7739',
  obsId: 'phi-marker-obs-7740',
  condition: 'phi marker condition text 7741',
  medication: 'phi marker medication text 7742',
  accessToken: 'TOKEN-MARKER-ACCESS-7743',
  refreshish: 'TOKEN-MARKER-SUBJECT-7744',
  extension: 'phi marker extension 7745',
  basicAuth: 'TOKEN-MARKER-AUTHZ-7746',
  cookie: 'TOKEN-MARKER-COOKIE-7747',
  comment: 'phi marker override comment 7748',
  fhirPatient: 'PhiMarkerFetchedName7749',
  unknownField: 'phi marker unknown field 7750',
};

function markedRequest(extra: Record<string, unknown> = {}, omit: string[] = []) {
  const obs = { ...observation({ code: '19123-9', value: 1.1, unit: 'mg/dL', patientId: M.patientId, id: M.obsId }), note: [{ text: M.obsNote }] };
  const base = hookRequest({
    patientId: M.patientId,
    patient: {
      resourceType: 'Patient',
      id: M.patientId,
      gender: 'female',
      birthDate: '1960-05-01',
      name: [{ family: M.family, given: [M.given] }],
      identifier: [{ system: 'urn:mrn', value: M.mrn }],
      telecom: [{ system: 'phone', value: M.phone }],
      address: [{ line: [M.address] }],
    },
    observations: [obs],
    conditions: [{ resourceType: 'Condition', code: { text: M.condition }, clinicalStatus: { coding: [{ code: 'active' }] }, subject: { reference: `Patient/${M.patientId}` } }],
    medications: [{ resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: M.medication }, subject: { reference: `Patient/${M.patientId}` } }],
    omit,
    extra: {
      fhirAuthorization: { access_token: M.accessToken, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: M.refreshish, patient: M.patientId },
      extension: { 'org.example.note': { text: M.extension } },
      [M.unknownField]: M.unknownField,
      ...extra,
    },
  });
  base.context.userId = M.userId;
  base.context.encounterId = M.encounterId;
  return base;
}

function expectNoMarker(text: string, secrets: string[] = []) {
  for (const [field, marker] of Object.entries(M)) {
    if (text.includes(marker)) throw new Error(`log output contains the ${field} marker`);
  }
  for (const secret of secrets) expect(text).not.toContain(secret);
}

/** A FHIR server on loopback that answers with marked data, or fails with a marked body. */
async function markedFhirServer(mode: 'data' | 'fail'): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/fhir+json');
    if (mode === 'fail') {
      res.statusCode = 500;
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ diagnostics: `${M.fhirPatient} ${req.url}` }] }));
      return;
    }
    if (req.url?.includes('/Patient/')) {
      res.end(JSON.stringify({ resourceType: 'Patient', id: M.patientId, gender: 'female', birthDate: '1960-05-01', name: [{ family: M.fhirPatient }] }));
      return;
    }
    res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: req.url?.includes('Observation') ? [{ resource: observation({ code: '19123-9', value: 1.2, unit: 'mg/dL', patientId: M.patientId, id: M.obsId }) }] : [] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`, close: () => new Promise((r) => server.close(() => r())) };
}

describe('no PHI or token in the logs', () => {
  let sandboxKey: KeyLike;
  let jwks: Awaited<ReturnType<typeof jwksServer>>;
  beforeAll(async () => {
    sandboxKey = await sandboxPrivateKey();
    jwks = await jwksServer([]);
  });
  afterAll(() => jwks.close());

  it('auth required, full prefetch: one structured line, no marker, no JWT', async () => {
    const { app, logs, securityLog } = securedApp(registeredClients(jwks.url));
    const token = await mint({ key: sandboxKey });
    const res = await request(app).post('/cds-services/hypomagnesemia').set('Authorization', `Bearer ${token}`).set('Cookie', `session=${M.cookie}`).send(markedRequest({ fhirServer: 'https://launch.smarthealthit.org/v/r4/fhir' }));
    expect(res.status).toBe(200);
    expect(res.body.cards.length).toBeGreaterThan(0);
    expect(logs.lines).toHaveLength(1);
    const line = JSON.parse(logs.lines[0]!);
    expect(line).toMatchObject({
      msg: 'request',
      method: 'POST',
      status: 200,
      serviceId: 'hypomagnesemia',
      hookInstance: 'd1577c69-dfbe-44ad-ba6d-3e05e953b2ea',
      provenance: { patient: 'prefetch', observations: 'prefetch', conditions: 'prefetch', medications: 'prefetch', administrations: 'prefetch' },
      cards: res.body.cards.length,
      client: 'https://sandbox.cds-hooks.org',
    });
    expect(line.ruleIds.length).toBeGreaterThan(0);
    expect(typeof line.durationMs).toBe('number');
    expectNoMarker(logs.text() + securityLog.text(), [token]);
  });

  it('auth off, data fetched from the fhirServer with the access token: no marker', async () => {
    const fhir = await markedFhirServer('data');
    try {
      const { app, logs } = testApp();
      const res = await request(app)
        .post('/cds-services/hypomagnesemia')
        .set('Authorization', `Bearer ${M.basicAuth}`)
        .send(markedRequest({ fhirServer: fhir.url }, ['patient', 'observations', 'conditions', 'medications']));
      expect(res.status).toBe(200);
      expect(JSON.parse(logs.lines[0]!).provenance).toEqual({ patient: 'fetched', observations: 'fetched', conditions: 'fetched', medications: 'fetched', administrations: 'prefetch' });
      expectNoMarker(logs.text());
    } finally {
      await fhir.close();
    }
  });

  it('a failing fhirServer (412) echoing the request: no marker in the log', async () => {
    const fhir = await markedFhirServer('fail');
    try {
      const { app, logs } = testApp();
      const res = await request(app).post('/cds-services/hypomagnesemia').send(markedRequest({ fhirServer: fhir.url }, ['patient', 'observations']));
      expect(res.status).toBe(412);
      expect(JSON.parse(logs.lines[0]!)).toMatchObject({ status: 412, serviceId: 'hypomagnesemia' });
      expectNoMarker(logs.text());
      // The 412 body names the keys and the reason, not the data or the token.
      expectNoMarker(JSON.stringify(res.body));
    } finally {
      await fhir.close();
    }
  });

  it('invalid requests (400) and unparseable bodies: no marker', async () => {
    const { app, logs } = testApp();
    const wrongHook = await request(app).post('/cds-services/hypomagnesemia').send(markedRequest({ hook: 'order-sign' }));
    expect(wrongHook.status).toBe(400);
    const badContext = markedRequest();
    badContext.context.patientId = { id: M.patientId };
    expect((await request(app).post('/cds-services/hypomagnesemia').send(badContext)).status).toBe(400);
    const broken = JSON.stringify(markedRequest()).slice(0, -10);
    expect((await request(app).post('/cds-services/hypomagnesemia').set('Content-Type', 'application/json').send(broken)).status).toBe(400);
    expect(logs.lines).toHaveLength(3);
    expectNoMarker(logs.text());
  });

  it('feedback with a free-text comment: no marker', async () => {
    const { app, logs } = testApp();
    const res = await request(app)
      .post('/cds-services/hypomagnesemia/feedback')
      .set('Authorization', `Bearer ${M.basicAuth}`)
      .send({ feedback: [{ card: '0b9c6b8e-3f3a-4c43-9e0c-6f1f3c7f1a11', outcome: 'overridden', overrideReason: { reason: { code: 'x', system: 'urn:x' }, userComment: M.comment }, outcomeTimestamp: '2026-11-22T12:05:00Z' }] });
    expect(res.status).toBe(200);
    expect(JSON.parse(logs.lines[0]!)).toMatchObject({ status: 200, serviceId: 'hypomagnesemia', feedbackItems: 1 });
    expectNoMarker(logs.text());
  });

  it('redaction catches tokens and PHI objects handed to the logger by mistake', () => {
    const sink = logSink();
    const logger = createLogger('info', sink.stream);
    logger.info({
      req: { headers: { authorization: `Bearer ${M.basicAuth}`, cookie: M.cookie } },
      headers: { authorization: M.basicAuth },
      fhirAuthorization: { access_token: M.accessToken },
      request: { fhirAuthorization: { access_token: M.accessToken }, prefetch: { patient: { name: M.family } }, context: { patientId: M.patientId } },
      prefetch: { patient: { name: M.given } },
      context: { patientId: M.patientId },
      access_token: M.accessToken,
      token: M.basicAuth,
    }, 'oops');
    expect(sink.lines).toHaveLength(1);
    expectNoMarker(sink.text());
  });

  it('the per-call line keeps the top-level redaction (it holds no nested objects but the provenance)', () => {
    const sink = logSink();
    const line = callLineLogger(createLogger('info', sink.stream));
    line.info({
      status: 200,
      provenance: { patient: 'prefetch' },
      req: { headers: { authorization: `Bearer ${M.basicAuth}`, cookie: M.cookie } },
      fhirAuthorization: { access_token: M.accessToken },
      prefetch: { patient: { name: M.given } },
      context: { patientId: M.patientId },
      patientId: M.patientId,
      access_token: M.accessToken,
      token: M.basicAuth,
    }, 'request');
    expect(sink.lines).toHaveLength(1);
    expectNoMarker(sink.text());
    expect(JSON.parse(sink.lines[0]!)).toMatchObject({ status: 200, provenance: { patient: 'prefetch' }, prefetch: '[redacted]', token: '[redacted]', msg: 'request' });
  });
});
