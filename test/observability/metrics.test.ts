import nock from 'nock';
import request from 'supertest';
import { createMetrics, recordAuthFailure } from '../../src/observability/metrics';
import { expectValidCdsResponse, hookRequest, observation, testApp } from '../helpers';

const FHIR = 'https://fhir.example.org/r4';
const lowMagnesium = () => [observation({ code: '19123-9', value: 1.2, unit: 'mg/dL' })];

/** The value of one sample line of the exposition text, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split(' ')[0] ?? '';
    if (want.every((w) => labelText.includes(w))) return Number(line.split(' ').pop());
  }
  return undefined;
}

afterEach(() => {
  nock.cleanAll();
});

describe('GET /metrics', () => {
  test('is Prometheus text with request durations by route pattern, cards by indicator and rule, prefetch provenance', async () => {
    const { app } = testApp();
    const hook = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: lowMagnesium(), patient: null }));
    expect(hook.status).toBe(200);
    await request(app).get('/no/such/path').expect(404);
    const res = await request(app).get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(sample(text, 'cds_http_request_duration_seconds_count', { route: '/cds-services/:id', method: 'POST', status: '200' })).toBe(1);
    // Unknown paths share one label value: no unbounded label sets.
    expect(sample(text, 'cds_http_request_duration_seconds_count', { route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain('/no/such/path');
    const card = hook.body.cards[0];
    const ruleIds = card.extension['org.magnesium-cds.assessment'].ruleIds as string[];
    expect(ruleIds.length).toBeGreaterThan(0);
    for (const rule of ruleIds) expect(sample(text, 'cds_cards_total', { indicator: card.indicator, rule })).toBe(1);
    expect(sample(text, 'cds_prefetch_keys_total', { key: 'observations', provenance: 'supplied' })).toBe(1);
    expect(sample(text, 'cds_prefetch_keys_total', { key: 'patient', provenance: 'null' })).toBe(1);
  });

  test('counts FHIR calls by outcome with their duration, and errors by reason', async () => {
    nock(FHIR)
      .get('/Condition')
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset' })
      .get('/MedicationRequest')
      .query(true)
      .reply(503, 'busy');
    const { app } = testApp();
    const body = hookRequest({ observations: lowMagnesium(), omit: ['conditions', 'medications'], extra: { fhirServer: FHIR, fhirAuthorization: { access_token: 'secret-token', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' } } });
    const hook = await request(app).post('/cds-services/hypomagnesemia').send(body);
    expect(hook.status).toBe(200);
    const text = (await request(app).get('/metrics')).text;
    expect(sample(text, 'cds_fhir_request_duration_seconds_count', { outcome: 'ok' })).toBe(1);
    expect(sample(text, 'cds_fhir_request_duration_seconds_count', { outcome: 'http-status' })).toBe(1);
    expect(sample(text, 'cds_fhir_request_errors_total', { reason: 'http-status' })).toBe(1);
    expect(sample(text, 'cds_prefetch_keys_total', { key: 'conditions', provenance: 'fetched' })).toBe(1);
    expect(sample(text, 'cds_prefetch_keys_total', { key: 'medications', provenance: 'failed' })).toBe(1);
    expect(text).not.toContain('secret-token');
    expect(text).not.toContain('fhir.example.org');
  });

  test('counts feedback by outcome and repeats as duplicates', async () => {
    const { app } = testApp();
    const feedback = { feedback: [{ card: 'card-1', outcome: 'overridden', outcomeTimestamp: '2026-11-22T12:00:00Z' }] };
    await request(app).post('/cds-services/hypomagnesemia/feedback').send(feedback).expect(200);
    await request(app).post('/cds-services/hypomagnesemia/feedback').send(feedback).expect(200);
    const text = (await request(app).get('/metrics')).text;
    expect(sample(text, 'cds_feedback_items_total', { outcome: 'overridden' })).toBe(2);
    expect(sample(text, 'cds_feedback_duplicates_total')).toBe(1);
  });

  test('recordAuthFailure counts JWT failures by reason in every app registry', async () => {
    const { app } = testApp();
    const before = sample((await request(app).get('/metrics')).text, 'cds_auth_failures_total', { reason: 'expired' }) ?? 0;
    recordAuthFailure('expired');
    recordAuthFailure('expired');
    expect(sample((await request(app).get('/metrics')).text, 'cds_auth_failures_total', { reason: 'expired' })).toBe(before + 2);
  });

  test('process metrics are on for the server metrics object, off for the per-app default', async () => {
    const own = createMetrics();
    expect(await own.registry.metrics()).toContain('process_cpu_seconds_total');
    const { app } = testApp();
    expect((await request(app).get('/metrics')).text).not.toContain('process_cpu_seconds_total');
  });

  test('times each whole hook call by service (cds_hook_duration_seconds), with buckets around the 500 ms budget', async () => {
    const { app } = testApp();
    const hook = await request(app).post('/cds-services/hypomagnesemia').send(hookRequest({ observations: lowMagnesium(), patient: null }));
    expect(hook.status).toBe(200);
    expectValidCdsResponse(hook.body);
    // A refused call of the same service counts too (it cost the EHR time); unknown ids and feedback do not.
    expect((await request(app).post('/cds-services/hypomagnesemia').send({ hook: 'patient-view' })).status).toBe(400);
    await request(app).post('/cds-services/no-such-service').send({}).expect(404);
    await request(app).post('/cds-services/hypomagnesemia/feedback').send({ feedback: [] });
    const text = (await request(app).get('/metrics')).text;
    expect(sample(text, 'cds_hook_duration_seconds_count', { service: 'hypomagnesemia' })).toBe(2);
    expect(text).not.toMatch(/cds_hook_duration_seconds_count\{service="no-such-service"/);
    expect(sample(text, 'cds_hook_duration_seconds_bucket', { service: 'hypomagnesemia', le: '+Inf' })).toBe(2);
    const bounds = [...text.matchAll(/^cds_hook_duration_seconds_bucket\{le="([^"]+)",service="hypomagnesemia"\}/gm)].map((m) => m[1]);
    expect(bounds).toEqual(expect.arrayContaining(['0.3', '0.4', '0.5', '0.6', '0.75', '1']));
  });

  test('METRICS_ENABLED=false turns the endpoint off', async () => {
    const { app } = testApp({ env: { METRICS_ENABLED: 'false' } });
    expect((await request(app).get('/metrics')).status).toBe(404);
  });
});

describe('health', () => {
  test('/healthz is 200 while the process runs; /readyz follows the store', async () => {
    const { app } = testApp();
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await request(app).get('/readyz')).status).toBe(200);
  });
});
