import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createMetrics } from '../../src/observability/metrics';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

/**
 * A FHIR server that keeps failing: after FHIR_BREAKER_FAILURES consecutive failures the next
 * call answers 412 at once, without calling the server, until the cool-down ends; then one probe
 * goes through and a healthy answer closes the breaker.
 */
type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;
let behaviour: Behaviour = () => {};
let requests = 0;
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    requests += 1;
    behaviour(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const fetchObservations = () => hookRequest({ omit: ['observations'], extra: { fhirServer: base } });
const failing: Behaviour = (_req, res) => {
  res.writeHead(503, { 'content-type': 'application/fhir+json' });
  res.end('{"resourceType":"OperationOutcome","issue":[]}');
};
const healthy: Behaviour = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: observation({ code: '19123-9', value: 1.0, unit: 'mg/dL' }) }] }));
};

test('a failing server trips the breaker: the next call fails fast without a request, a probe after the cool-down closes it', async () => {
  const COOLDOWN_MS = 400;
  const metrics = createMetrics({ defaultMetrics: false });
  const { app } = testApp({ metrics, env: { FHIR_BREAKER_FAILURES: '3', FHIR_BREAKER_COOLDOWN_MS: String(COOLDOWN_MS), FHIR_TIMEOUT_MS: '2000' } });
  const openGauge = async () => (await metrics.registry.getSingleMetricAsString('cds_fhir_breakers_open')).split('\n').find((l) => l.startsWith('cds_fhir_breakers_open '));

  behaviour = failing;
  requests = 0;
  for (let i = 0; i < 3; i += 1) expect((await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations())).status).toBe(412);
  expect(requests).toBe(3);
  expect(await openGauge()).toBe('cds_fhir_breakers_open 1');

  // Open: the server is not called at all, and the 412 names the key and why.
  behaviour = healthy;
  const fast = await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations());
  expect(fast.status).toBe(412);
  expect(fast.body.issue[0].expression).toEqual(['prefetch.observations']);
  expect(fast.body.issue[0].details.text).toMatch(/circuit-open/);
  expect(requests).toBe(3);

  // Other servers are unaffected: a call with full prefetch needs no fetch and is answered.
  const other = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] }));
  expect(other.status).toBe(200);

  // After the cool-down one probe goes out; its success closes the breaker.
  await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 100));
  const probe = await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations());
  expect(probe.status).toBe(200);
  expectValidCdsResponse(probe.body);
  expect(requests).toBe(4);
  expect(await openGauge()).toBe('cds_fhir_breakers_open 0');
});

test('answers that show the server is up (4xx) do not trip the breaker', async () => {
  const { app } = testApp({ env: { FHIR_BREAKER_FAILURES: '2' } });
  behaviour = (_req, res) => {
    res.writeHead(401, { 'content-type': 'application/fhir+json' });
    res.end('{"resourceType":"OperationOutcome","issue":[]}');
  };
  requests = 0;
  for (let i = 0; i < 4; i += 1) expect((await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations())).status).toBe(412);
  expect(requests).toBe(4);
});
