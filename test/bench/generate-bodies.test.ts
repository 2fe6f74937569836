import request from 'supertest';
import type { Bundle, Observation } from 'fhir/r4';
import { BODY_SPECS, generateBody, withoutPrefetch } from '../../bench/generate-bodies';
import { expectValidCdsResponse, testApp } from '../helpers';

/**
 * The benchmark's bodies: deterministic, of the size and shape they claim, and answered by the
 * real service with cards (a body the service rejects or skips would measure the wrong path).
 */
const DAY = new Date('2026-11-22T00:00:00Z');
const spec = (label: string) => BODY_SPECS.find((s) => s.label === label)!;

describe('bench bodies', () => {
  const { app } = testApp({ now: () => new Date('2026-11-22T06:00:00Z') });

  test.each(BODY_SPECS.map((s) => [s.label, s] as const))('%s: same bytes every time, within 10 %% of its size, cards from the service', async (_label, s) => {
    const body = generateBody(s, DAY);
    expect(generateBody(s, DAY).json).toBe(body.json);
    expect(body.bytes).toBeLessThanOrEqual(s.targetBytes);
    expect(body.bytes).toBeGreaterThan(s.targetBytes * 0.9);
    const res = await request(app).post(body.hookPath).set('content-type', 'application/json').send(body.json);
    expect(res.status).toBe(200);
    const answer = expectValidCdsResponse(res.body);
    expect(answer.cards.length).toBeGreaterThan(0);
  });

  test('the lean shapes carry many small resources: over a hundred Observations and tens of Conditions and MedicationRequests at 54 KB, several hundred at 250 KB', () => {
    const lean = generateBody(spec('54 KB lean'), DAY);
    expect(lean.counts.observations).toBeGreaterThan(100);
    expect(lean.counts.conditions).toBeGreaterThanOrEqual(10);
    expect(lean.counts.medicationRequests).toBeGreaterThanOrEqual(10);
    const large = generateBody(spec('250 KB lean'), DAY);
    expect(large.counts.observations + large.counts.conditions + large.counts.medicationRequests).toBeGreaterThan(300);
    // Observations spread over about two years.
    const times = ((lean.prefetch.observations as Bundle).entry ?? []).map((e) => Date.parse((e.resource as Observation).effectiveDateTime!));
    expect((Math.max(...times) - Math.min(...times)) / 86_400_000).toBeGreaterThan(700);
  });

  test('the order-sign body goes to magnesium-order-sign with a magnesium draft, and its card names that draft', async () => {
    const body = generateBody(spec('54 KB order-sign'), DAY);
    expect(body.hookPath).toBe('/cds-services/magnesium-order-sign');
    const parsed = JSON.parse(body.json) as { hook: string; context: { draftOrders: Bundle } };
    expect(parsed.hook).toBe('order-sign');
    const res = await request(app).post(body.hookPath).set('content-type', 'application/json').send(body.json);
    const answer = expectValidCdsResponse(res.body);
    expect(answer.cards.map((c) => c.summary).join('\n')).toMatch(/faster than 150 mg\/min/);
    expect(JSON.stringify(answer)).toContain('MedicationRequest/draft-mg-iv-1');
  });

  test('the prefetch-missing request keeps the context and drops every prefetch key', () => {
    const request_ = JSON.parse(withoutPrefetch(generateBody(spec('54 KB'), DAY), 'http://127.0.0.1:1/fhir')) as Record<string, unknown>;
    expect(request_.prefetch).toBeUndefined();
    expect(request_.fhirServer).toBe('http://127.0.0.1:1/fhir');
    expect(Object.keys(generateBody(spec('54 KB'), DAY).prefetch).sort()).toEqual(['administrations', 'conditions', 'medications', 'observations', 'patient']);
  });
});
