import request from 'supertest';
import { readJson, ROOT, testApp } from '../helpers';
import { handlers, loadRegistry } from '../../src/services/registry';
import { defaultRuleConfig } from '../../src/rules/config';

const document = readJson(ROOT, 'cds-services.json');

/** CH-09/CH-10: the only tokens 2.0 allows in a patient-view prefetch template. */
const ALLOWED_TOKENS = new Set([
  'context.userId',
  'context.patientId',
  'context.encounterId',
  'userPractitionerId',
  'userPractitionerRoleId',
  'userPatientId',
  'userRelatedPersonId',
]);

describe('GET /cds-services', () => {
  const { app } = testApp();

  test('lists the hypomagnesemia patient-view service with its prefetch keys (administrations optional)', async () => {
    const res = await request(app).get('/cds-services').set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const service = res.body.services.find((s: { id: string }) => s.id === 'hypomagnesemia');
    expect(service).toMatchObject({ hook: 'patient-view', title: expect.any(String), description: expect.any(String) });
    expect(Object.keys(service.prefetch).sort()).toEqual(['administrations', 'conditions', 'medications', 'observations', 'patient']);
    expect(service.prefetch.patient).toBe('Patient/{{context.patientId}}');
  });

  test('serves exactly the discovery document', async () => {
    const res = await request(app).get('/cds-services');
    expect(res.body).toEqual(document);
  });

  test('answers the CORS preflight the sandbox sends', async () => {
    const res = await request(app)
      .options('/cds-services')
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toMatch(/authorization/i);
    const get = await request(app).get('/cds-services').set('Origin', 'https://sandbox.cds-hooks.org');
    expect(get.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('discovery document (cds-services.json)', () => {
  const services = document.services as Array<{ id: string; prefetch?: Record<string, string> }>;

  test('every listed service has a handler and every handler is listed', () => {
    expect(services.map((s) => s.id).sort()).toEqual(Object.keys(handlers).sort());
    expect(() => loadRegistry()).not.toThrow();
    expect([...loadRegistry().keys()]).toEqual(services.map((s) => s.id));
  });

  test.each(services.flatMap((s) => Object.entries(s.prefetch ?? {}).map(([key, template]) => [s.id, key, template])))(
    '%s prefetch "%s" uses only 2.0 tokens and query syntax',
    (_id, _key, template) => {
      const tokens = [...template.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]!);
      expect(tokens.length).toBeGreaterThan(0);
      for (const token of tokens) expect(ALLOWED_TOKENS.has(token)).toBe(true);
      // No leftover braces outside tokens (e.g. a 3.0-style {{today()}} expression).
      expect(template.replace(/\{\{[^}]*\}\}/g, '')).not.toMatch(/[{}]/);
      const [path, query = ''] = template.split('?');
      expect(path).toMatch(/^[A-Z][A-Za-z]+(\/\{\{context\.\w+\}\})?$/);
      const names = query === '' ? [] : query.split('&').map((p) => p.split('=')[0]!);
      // CH-11: no repeated parameters (the sandbox merges them into an OR), only R4 _sort syntax.
      expect(new Set(names).size).toBe(names.length);
      for (const name of names) expect(name).toMatch(/^(_count|_sort|[a-z][a-z-]*(:in)?)$/);
      if (names.includes('_sort')) expect(template).toMatch(/_sort=-?date(&|$)/);
      expect(template).not.toMatch(/sort:desc/);
    },
  );

  test('the observations template asks for every LOINC code the rules read', () => {
    const template = services.find((s) => s.id === 'hypomagnesemia')!.prefetch!.observations!;
    const requested = new Set([...template.matchAll(/http:\/\/loinc\.org\|([0-9-]+)/g)].map((m) => m[1]));
    const used = Object.values(defaultRuleConfig.codes.loinc).flat();
    expect([...requested].sort()).toEqual([...new Set(used)].sort());
    expect(template).toMatch(/_sort=-date/);
    expect(template).toMatch(/_count=\d+/);
  });
});
