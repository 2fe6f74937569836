import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import type { Patient } from 'fhir/r4';
import type { CdsResponse } from '../../src/cds/schemas';
import { defaultRuleConfig } from '../../src/rules/config';
import { DEMO_PATIENTS_DIR, loadDemoPatients } from '../../src/demo/patients';
import { demoRoutes } from '../../src/demo/routes';
import { resolvePlaceholders } from '../../src/demo/time';
import { MAGNESIUM_THRESHOLDS, magnesiumSeries } from '../../web/src/trend';
import type { ViewResponse } from '../../web/src/types';
import { outcomeOf, type CaseOutcome } from '../case-oracle';
import { CASES_NOW, expectValidCdsResponse, readJson, ROOT, testApp } from '../helpers';

interface DemoFile {
  demo: { title: string; summary: string; expect: Partial<CaseOutcome> };
  request: Record<string, any>;
}

const patients = loadDemoPatients();
const readDemo = (url: string): DemoFile => JSON.parse(readFileSync(join(DEMO_PATIENTS_DIR, url.replace('/demo/patients/', '')), 'utf8'));
/** The prefetch keys the patient-view service publishes in discovery. */
const publishedPrefetchKeys = Object.keys(readJson<{ services: Array<{ id: string; prefetch: object }> }>(ROOT, 'cds-services.json').services.find((s) => s.id === 'hypomagnesemia')!.prefetch);

// Compile-time check: every response the service can send is something the page can render.
const _pageReadsServiceResponses: (r: CdsResponse) => ViewResponse = (r) => r;

describe('demo sample patients', () => {
  const { app } = testApp();

  test('at least ten patients covering the scenarios the page promises', () => {
    expect(patients.length).toBeGreaterThanOrEqual(10);
    expect(patients.map((p) => p.id)).toEqual(
      expect.arrayContaining(['normal', 'mild-ppi', 'moderate', 'severe', 'symptomatic', 'renal', 'low-potassium', 'low-calcium', 'pregnancy', 'child', 'stale']),
    );
    expect(new Set(patients.map((p) => p.id)).size).toBe(patients.length);
  });

  test.each(patients.map((p) => [p.id, p.url]))('%s: the service answers as the sample says', async (_id, url) => {
    const file = readDemo(url);
    const body = resolvePlaceholders(file.request, CASES_NOW);
    // What the page sends is plain CDS Hooks: no placeholder left, no demo-only member.
    expect(JSON.stringify(body)).not.toMatch(/"@(now|today)/);
    expect(Object.keys(body)).toEqual(['hookInstance', 'hook', 'context', 'prefetch']);
    // Every published key, optional ones included, so no card says what the EHR failed to send.
    expect(Object.keys(body.prefetch).sort()).toEqual([...publishedPrefetchKeys].sort());
    const patient = body.prefetch.patient as Patient;
    expect(patient.name?.[0]?.given?.length).toBeGreaterThan(0);

    const res = await request(app).post('/cds-services/hypomagnesemia').send(body);
    expect(res.status).toBe(200);
    const response = expectValidCdsResponse(res.body);
    expect(outcomeOf(response)).toMatchObject(file.demo.expect);
    for (const card of response.cards) expect(card.detail ?? '').not.toMatch(/Not checked:/);
    // Several magnesium results: the page draws a trend.
    expect(magnesiumSeries(body.prefetch).length).toBeGreaterThanOrEqual(2);
  });

  test('the chart thresholds are the rule configuration\'s', () => {
    expect(MAGNESIUM_THRESHOLDS).toEqual({
      lowBelowMgDl: defaultRuleConfig.magnesium.lowBelowMgDl,
      severeBelowMgDl: defaultRuleConfig.magnesium.severeBelowMgDl,
      highAboveMgDl: defaultRuleConfig.magnesium.highAboveMgDl,
    });
  });

  test('the trend reads serum magnesium in any unit, oldest first, and skips what the service would skip', () => {
    const obs = (code: string, value: number, unit: string, when: string, status = 'final') => ({
      resourceType: 'Observation',
      status,
      code: { coding: [{ system: 'http://loinc.org', code }] },
      effectiveDateTime: when,
      valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    });
    const series = magnesiumSeries({
      labs: {
        resourceType: 'Bundle',
        entry: [
          { resource: obs('19123-9', 1.6, 'mg/dL', '2026-11-22T10:00:00Z') },
          { resource: obs('2601-3', 0.5, 'mmol/L', '2026-11-20T10:00:00Z') },
          { resource: obs('2601-3', 1.5, 'meq/L', '2026-11-21T10:00:00Z') },
          { resource: obs('19123-9', 0.4, 'mg/dL', '2026-11-22T11:00:00Z', 'entered-in-error') },
          { resource: obs('2598-1', 3, 'mmol/L', '2026-11-22T11:00:00Z') },
          { resource: obs('19123-9', 1.7, '%', '2026-11-22T11:00:00Z') },
        ],
      },
      single: obs('19123-9', 2.0, 'mg/dL', '2026-11-19T10:00:00Z'),
    });
    expect(series.map((p) => p.mgDl)).toEqual([2.0, 1.22, 1.82, 1.6]);
  });
});

describe('demo routes', () => {
  const { app } = testApp();

  test('GET /demo/patients.json lists the samples; each file is served as JSON', async () => {
    const index = await request(app).get('/demo/patients.json');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^application\/json/);
    expect(index.body.patients).toEqual(patients);
    const severe = patients.find((p) => p.id === 'severe')!;
    const file = await request(app).get(severe.url);
    expect(file.status).toBe(200);
    expect(file.body.request.context.patientId).toBe('demo-severe');
    expect(file.headers['content-security-policy']).toContain("default-src 'self'");
  });

  test('discovery still lists only the real services, and unknown paths are still OperationOutcome 404s', async () => {
    const discovery = await request(app).get('/cds-services');
    expect(discovery.body.services.map((s: { id: string }) => s.id)).toEqual(['hypomagnesemia', 'magnesium-order-select', 'magnesium-order-sign']);
    const missing = await request(app).get('/demo/patients/99-nobody.json');
    expect(missing.status).toBe(404);
    expect(missing.body.resourceType).toBe('OperationOutcome');
    const traversal = await request(app).get('/demo/patients/..%2F..%2Fpackage.json');
    expect(traversal.status).toBe(404);
  });

  test('GET / serves the built page with a strict CSP, or says how to build it', async () => {
    const built = mkdtempSync(join(tmpdir(), 'demo-public-'));
    writeFileSync(join(built, 'index.html'), '<!doctype html><title>demo</title>');
    const withPage = express().use(demoRoutes({ publicDir: built }));
    const page = await request(withPage).get('/');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>demo</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");

    const withoutPage = express().use(demoRoutes({ publicDir: join(built, 'absent') }));
    const missing = await request(withoutPage).get('/');
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('npm run build');
  });

  test('a malformed sample file fails loudly at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'demo-patients-'));
    writeFileSync(join(dir, '01-broken.json'), JSON.stringify({ demo: { title: 'x' }, request: {} }));
    expect(() => loadDemoPatients(dir)).toThrow(/01-broken\.json: demo\.summary/);
  });
});
