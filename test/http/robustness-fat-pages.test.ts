import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { CdsError } from '../../src/cds/errors';
import { gatherData, PrefetchUnavailableError } from '../../src/cds/prefetch';
import type { HookRequest } from '../../src/cds/schemas';
import { createFetchGuards } from '../../src/fhir/guards';
import { createMetrics } from '../../src/observability/metrics';
import { hookRequest, observation, testApp } from '../helpers';

/**
 * The fat-pages attack: a FHIR server whose every search answers 1,000-entry pages with a `next`
 * link that never ends. Per-response caps alone let one call read pages × searches × the cap;
 * the call's budget stops reading at its bytes, and the process budget refuses (503) what would
 * take the service past its memory.
 */
const PAGE_ENTRIES = 1000;
let server: Server;
let base = '';
let pagesServed = 0;
let bytesServed = 0;

function fatPage(path: string, page: number): string {
  const entry = Array.from({ length: PAGE_ENTRIES }, (_, i) => ({
    resource: observation({ code: '19123-9', value: 1.1, unit: 'mg/dL', id: `p${page}-${i}`, hoursAgo: 2 + page + i / 1000 }),
  }));
  return JSON.stringify({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: `${base}/${path}?page=${page + 1}` }], entry });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const page = Number(url.searchParams.get('page') ?? '1');
    const resource = url.pathname.split('/').pop() ?? 'Observation';
    const body = fatPage(resource, page);
    pagesServed += 1;
    bytesServed += Buffer.byteLength(body);
    // Chunked, no Content-Length: the budget must hold while reading, not only on a declared size.
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/fhir`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  pagesServed = 0;
  bytesServed = 0;
});

const PAGE_BYTES = () => Buffer.byteLength(fatPage('Observation', 1));
/** Patient in prefetch; observations, conditions and medications fetched from the fat server. */
const fatRequest = () => hookRequest({ omit: ['observations', 'conditions', 'medications'], extra: { fhirServer: base, fhirAuthorization: { access_token: 'tkn-fat', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'x' } } });

const TEMPLATES = {
  observations: 'Observation?patient={{context.patientId}}',
  conditions: 'Condition?patient={{context.patientId}}',
  medications: 'MedicationRequest?patient={{context.patientId}}',
};

/**
 * Pages the server may be asked for when the budget holds `budgetPages` pages: those, the one
 * whose reading crossed the budget, and one request in flight per search when the call stopped
 * (without a budget: 50 pages × 3 searches).
 */
const pagesWithin = (budgetPages: number) => budgetPages + 1 + Object.keys(TEMPLATES).length;

function limits(guards: ReturnType<typeof createFetchGuards>) {
  return { timeoutMs: 5000, maxPages: 50, maxResponseBytes: 10 * 1024 * 1024, maxEntries: 100_000, guards };
}

describe('per-call budget against the fat-pages server', () => {
  test('reading stops at the call budget, the process bytes are released, and the call is 412', async () => {
    const callMaxBytes = 3 * PAGE_BYTES();
    const guards = createFetchGuards({ callMaxBytes, callMaxEntries: 1_000_000, inflightMaxBytes: 64 * 1024 * 1024 });
    const error = await gatherData(fatRequest() as HookRequest, { templates: TEMPLATES, requiredKeys: ['observations'], limits: limits(guards), mayCallFhirServer: () => true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefetchUnavailableError);
    expect((error as CdsError).status).toBe(412);
    expect((error as CdsError).message).toMatch(/exceed its budget/);
    // Never more held than the budget; all of it given back once the call is over.
    expect(guards.process.peak).toBeLessThanOrEqual(callMaxBytes);
    expect(guards.process.inUse).toBe(0);
    expect(pagesServed).toBeLessThanOrEqual(pagesWithin(3));
  });

  test('the entry budget counts Bundle entries across searches and pages', async () => {
    const guards = createFetchGuards({ callMaxBytes: 200 * 1024 * 1024, callMaxEntries: 2500, inflightMaxBytes: 256 * 1024 * 1024 });
    const error = await gatherData(fatRequest() as HookRequest, { templates: TEMPLATES, requiredKeys: [], limits: limits(guards), mayCallFhirServer: () => true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PrefetchUnavailableError);
    expect((error as CdsError).message).toMatch(/2500 entries/);
    expect(pagesServed).toBeLessThanOrEqual(pagesWithin(3));
    expect(guards.process.inUse).toBe(0);
  });

  test('a process at its in-flight budget answers 503 (retry shortly), not an out-of-memory kill', async () => {
    const guards = createFetchGuards({ callMaxBytes: 100 * PAGE_BYTES(), inflightMaxBytes: 4 * PAGE_BYTES() });
    // Other calls in flight hold most of the process budget.
    expect(guards.process.reserve(3 * PAGE_BYTES())).toBe(true);
    const error = await gatherData(fatRequest() as HookRequest, { templates: TEMPLATES, requiredKeys: ['observations'], limits: limits(guards), mayCallFhirServer: () => true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CdsError);
    expect((error as CdsError).status).toBe(503);
    expect((error as CdsError).message).toMatch(/retry shortly/);
    expect(guards.process.inUse).toBe(3 * PAGE_BYTES());
    expect(guards.process.peak).toBeLessThanOrEqual(4 * PAGE_BYTES());
  });

  test('through the app: one call and three concurrent calls each answer 412 with an OperationOutcome; the service stays healthy', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const { app } = testApp({ metrics, env: { FHIR_MAX_PAGES: '50', FHIR_CALL_MAX_BYTES: String(2 * PAGE_BYTES()), FHIR_TIMEOUT_MS: '5000' } });
    const one = await request(app).post('/cds-services/hypomagnesemia').send(fatRequest());
    expect(one.status).toBe(412);
    expect(one.body.resourceType).toBe('OperationOutcome');
    expect(one.body.issue[0].details.text).toMatch(/exceed its budget/);
    expect(JSON.stringify(one.body)).not.toContain('tkn-fat');
    expect(pagesServed).toBeLessThanOrEqual(pagesWithin(2));

    pagesServed = 0;
    const three = await Promise.all([1, 2, 3].map(() => request(app).post('/cds-services/hypomagnesemia').send(fatRequest())));
    expect(three.map((r) => r.status)).toEqual([412, 412, 412]);
    expect(pagesServed).toBeLessThanOrEqual(3 * pagesWithin(2));
    expect(await metrics.registry.getSingleMetricAsString('cds_fhir_inflight_bytes')).toMatch(/cds_fhir_inflight_bytes 0$/m);

    const ok = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: [observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' })] }));
    expect(ok.status).toBe(200);
  });
});
