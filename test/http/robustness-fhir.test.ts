import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { hookRequest, observation, testApp } from '../helpers';

/**
 * A loopback FHIR server that misbehaves in every way we know: the service answers 412 within its
 * timeout (never 5xx, never a hang) and stays healthy for the next call.
 */
const TIMEOUT_MS = 400;
const MAX_BYTES = 4096;

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

let behaviour: Behaviour = () => {};
let calls: string[] = [];
let server: Server;
let fhirBase = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push(req.url ?? '');
    behaviour(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fhirBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  calls = [];
});

// The circuit breaker is kept out of the way here (each fault must reach the server); it has its own test.
const { app } = testApp({ env: { FHIR_TIMEOUT_MS: String(TIMEOUT_MS), FHIR_MAX_RESPONSE_BYTES: String(MAX_BYTES), FHIR_MAX_PAGES: '3', FHIR_BREAKER_FAILURES: '1000' } });

/** Patient in prefetch, observations to be fetched from the misbehaving server. */
const fetchObservations = () => hookRequest({ omit: ['observations'], extra: { fhirServer: fhirBase, fhirAuthorization: { access_token: 'tkn123', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'x' } } });

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
};

const healthyAfterwards = async () => {
  expect((await request(app).get('/healthz')).status).toBe(200);
  const ok = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] }));
  expect(ok.status).toBe(200);
  expect(ok.body.cards.length).toBeGreaterThan(0);
};

const FAULTS: Array<[string, Behaviour]> = [
  ['hangs (never answers)', () => {}],
  ['sends headers then stalls the body', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.write('{"resourceType":"Bundle","entry":[');
  }],
  ['resets the connection', (req) => req.socket.destroy()],
  ['answers 500', (_req, res) => json(res, 500, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] })],
  ['answers 401 (token rejected)', (_req, res) => json(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] })],
  ['answers garbage', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end('<html>definitely not json</html>\u0000\uFFFD');
  }],
  ['answers an HTML 200 page', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>login</title>');
  }],
  ['answers a body over the size cap (declared)', (_req, res) => json(res, 200, { resourceType: 'Bundle', type: 'searchset', pad: 'x'.repeat(MAX_BYTES * 4) })],
  ['answers a body over the size cap (chunked, no length)', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    for (let i = 0; i < 10; i += 1) res.write(`${i === 0 ? '{"resourceType":"Bundle","pad":"' : ''}${'y'.repeat(MAX_BYTES)}`);
    res.end('"}');
  }],
  ['answers a JSON value that is not a resource', (_req, res) => json(res, 200, [1, 2, 3])],
  ['answers an OperationOutcome with 200', (_req, res) => json(res, 200, { resourceType: 'OperationOutcome', issue: [] })],
  ['answers a Patient to a search', (_req, res) => json(res, 200, { resourceType: 'Patient', id: 'p' })],
  ['redirects to another host', (_req, res) => {
    res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' });
    res.end();
  }],
];

describe.each(FAULTS)('FHIR server that %s', (_name, fault) => {
  it('gives 412 within the timeout and the service stays healthy', async () => {
    behaviour = fault;
    const started = Date.now();
    const res = await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations());
    const elapsed = Date.now() - started;
    expect(res.status).toBe(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(res.body.issue[0].expression).toEqual(['prefetch.observations']);
    expect(JSON.stringify(res.body)).not.toContain('tkn123');
    expect(elapsed).toBeLessThan(TIMEOUT_MS + 1000);
    expect(calls.length).toBeGreaterThanOrEqual(1);
    await healthyAfterwards();
  });
});

describe('paging limits', () => {
  it('follows at most FHIR_MAX_PAGES pages of a server whose next link never ends', async () => {
    behaviour = (req, res) => {
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('page') ?? '1');
      json(res, 200, {
        resourceType: 'Bundle',
        type: 'searchset',
        link: [{ relation: 'next', url: `${fhirBase}/Observation?page=${page + 1}` }],
        entry: [{ resource: observation({ code: '19123-9', value: 1.1, unit: 'mg/dL', id: `p${page}`, hoursAgo: 2 + page }) }],
      });
    };
    const res = await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations());
    expect(res.status).toBe(200);
    expect(res.body.cards[0].summary).toMatch(/hypomagnesemia/i);
    expect(calls.filter((c) => c.includes('Observation'))).toHaveLength(3);
  });

  it('does not follow a next link outside the fhirServer base', async () => {
    behaviour = (_req, res) =>
      json(res, 200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: fhirBase.replace('/fhir', '/admin/Observation') }] });
    const res = await request(app).post('/cds-services/hypomagnesemia').send(fetchObservations());
    expect(res.status).toBe(200);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatch(/^\/fhir\/Observation\?/);
  });
});

describe('parallel faults', () => {
  it('20 concurrent calls to a hanging server all get 412 within the timeout', async () => {
    behaviour = () => {};
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => request(app).post('/cds-services/hypomagnesemia').send(fetchObservations())));
    expect(results.map((r) => r.status)).toEqual(Array(20).fill(412));
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 2000);
    await healthyAfterwards();
  });
});
