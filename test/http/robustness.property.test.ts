import fc from 'fast-check';
import request from 'supertest';
import { hookRequest, observation, testApp } from '../helpers';

/**
 * Generated and mutated hook requests and FHIR resources thrown at the app: never a 5xx from the
 * service's own code, never a hang, always a JSON body.
 */
const { app } = testApp({ env: { FHIR_TIMEOUT_MS: '200' } });
const ALLOWED = new Set([200, 400, 404, 412, 413, 415]);

async function post(path: string, body: string) {
  const started = Date.now();
  const res = await request(app).post(path).set('Content-Type', 'application/json').send(body);
  const elapsed = Date.now() - started;
  if (!ALLOWED.has(res.status)) throw new Error(`status ${res.status} for ${body.slice(0, 300)}: ${res.text.slice(0, 300)}`);
  if (!/json/.test(String(res.headers['content-type']))) throw new Error(`non-JSON answer (${res.headers['content-type']})`);
  JSON.parse(res.text);
  if (elapsed > 5000) throw new Error(`took ${elapsed} ms`);
  return res;
}

/** Values chosen to break naive code: wrong types, extremes, odd Unicode, prototype keys. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, -0, 5e-324, 0, -1, 1.7976931348623157e308),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('\u0000', '\uD800', '\u202Egnp.exe', 'Z̸̡̧͚͉a̷͍l̶go', '🧲'.repeat(500), 'x'.repeat(20_000), '2026-02-30T25:61:00Z', 'NaN', '-Infinity'),
  fc.constantFrom(null, true, false, [], {}, [[[[]]]]),
);

const RAW_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf'];

/** JSON text of a value, with some keys renamed to prototype-polluting names (JSON.stringify cannot emit them). */
function toJsonWithProtoKeys(value: unknown, rename: number): string {
  let text = JSON.stringify(value);
  if (rename > 0) {
    let n = 0;
    text = text.replace(/"(resourceType|value|code|entry|patientId|extra)":/g, (match) => (n++ % rename === 0 ? `"${RAW_KEYS[n % RAW_KEYS.length]}":` : match));
  }
  return text;
}

/** JSON text nested `depth` levels deep (built as text: JSON.stringify itself overflows the stack). */
function deep(depth: number, asArray: boolean): string {
  return asArray ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`;
}

/** A valid request's JSON text with `"<key>": <raw>` inserted into the object that `anchor` opens. */
function withRaw(anchor: string, key: string, raw: string): string {
  const text = JSON.stringify(baseRequest());
  return text.replace(anchor, `${anchor}"${key}":${raw},`);
}

/** Every path worth breaking in a valid request with one magnesium result. */
const PATHS: Array<Array<string | number>> = [
  [],
  ['hook'],
  ['hookInstance'],
  ['context'],
  ['context', 'patientId'],
  ['context', 'userId'],
  ['fhirServer'],
  ['fhirAuthorization'],
  ['prefetch'],
  ['prefetch', 'patient'],
  ['prefetch', 'patient', 'birthDate'],
  ['prefetch', 'patient', 'gender'],
  ['prefetch', 'observations'],
  ['prefetch', 'observations', 'resourceType'],
  ['prefetch', 'observations', 'entry'],
  ['prefetch', 'observations', 'entry', 0],
  ['prefetch', 'observations', 'entry', 0, 'resource'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'status'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'code'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'code', 'coding'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'code', 'coding', 0, 'code'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'effectiveDateTime'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'valueQuantity'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'valueQuantity', 'value'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'valueQuantity', 'unit'],
  ['prefetch', 'observations', 'entry', 0, 'resource', 'valueQuantity', 'code'],
  ['prefetch', 'observations', 'entry', 1, 'resource', 'valueQuantity', 'value'],
  ['prefetch', 'conditions', 'entry'],
  ['prefetch', 'conditions', 'entry', 0, 'resource', 'code'],
  ['prefetch', 'medications', 'entry', 0, 'resource', 'medicationCodeableConcept'],
  ['prefetch', 'medications', 'entry', 0, 'resource', 'status'],
  ['extension'],
];

function baseRequest() {
  return hookRequest({
    observations: [
      observation({ code: '19123-9', value: 1.1, unit: 'mg/dL' }),
      observation({ code: '2823-3', value: 3.1, unit: 'mmol/L', hoursAgo: 3 }),
      observation({ code: '2160-0', value: 1.0, unit: 'mg/dL', hoursAgo: 4 }),
    ],
    conditions: [{ resourceType: 'Condition', code: { text: 'x' }, clinicalStatus: { coding: [{ code: 'active' }] } }],
    medications: [{ resourceType: 'MedicationRequest', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'furosemide' } }],
  });
}

function setPath(target: any, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return target;
    node = node[key];
  }
  if (typeof node === 'object' && node !== null) node[path.at(-1)!] = value;
  return target;
}

describe('property: the hook endpoint never fails on bad input', () => {
  it('mutated hook requests (one field replaced by a nasty value, some keys renamed to __proto__ etc.)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.constantFrom(...PATHS), nasty), { minLength: 1, maxLength: 3 }), fc.nat(4), async (mutations, rename) => {
        let body: unknown = baseRequest();
        for (const [path, value] of mutations) body = setPath(body, path, value);
        await post('/cds-services/hypomagnesemia', toJsonWithProtoKeys(body, rename));
      }),
      { numRuns: 300 },
    );
  });

  it('arbitrary JSON documents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 5 }), async (value) => {
        await post('/cds-services/hypomagnesemia', JSON.stringify(value) ?? 'null');
        await post('/cds-services/hypomagnesemia/feedback', JSON.stringify(value) ?? 'null');
      }),
      { numRuns: 150 },
    );
  });

  it('generated FHIR-ish resources in every prefetch key', async () => {
    const resource = fc.record(
      {
        resourceType: fc.constantFrom('Observation', 'Patient', 'Condition', 'MedicationRequest', 'Bundle', 'OperationOutcome', '', 'Unknown'),
        id: fc.oneof(fc.string(), fc.integer()),
        status: fc.oneof(fc.constantFrom('final', 'amended', 'preliminary', 'active', 'entered-in-error'), nasty),
        code: fc.oneof(fc.constant({ coding: [{ system: 'http://loinc.org', code: '19123-9' }] }), nasty),
        valueQuantity: fc.oneof(fc.record({ value: fc.oneof(fc.double(), nasty), unit: fc.oneof(fc.constantFrom('mg/dL', 'mmol/L', 'mEq/L', 'meq/L', 'g/L', ''), nasty) }), nasty),
        effectiveDateTime: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), nasty),
        entry: fc.oneof(fc.array(fc.record({ resource: nasty })), nasty),
        birthDate: fc.oneof(fc.constantFrom('1960', '1960-05', '1960-05-01', '2999-01-01'), nasty),
      },
      { requiredKeys: ['resourceType'] },
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('patient', 'observations', 'conditions', 'medications', 'other'), fc.oneof(resource, fc.constant(null))), async (prefetch) => {
        await post('/cds-services/hypomagnesemia', JSON.stringify({ ...baseRequest(), prefetch }));
      }),
      { numRuns: 200 },
    );
  });
});

describe('hostile shapes', () => {
  it.each([
    ['deeply nested arrays in an unknown field', () => withRaw('{', 'extra', deep(10_000, true))],
    ['deeply nested objects in an Observation', () => withRaw('{"resourceType":"Observation",', 'extension', deep(10_000, false))],
    ['deeply nested objects in the context', () => withRaw('"context":{', 'nested', deep(10_000, false))],
    ['deeply nested prefetch value', () => withRaw('"prefetch":{', 'other', `{"resourceType":"Basic","x":${deep(10_000, false)}}`)],
    ['__proto__ at the top level and in prefetch', () => JSON.stringify(baseRequest()).replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},').replace('"prefetch":{', '"prefetch":{"__proto__":{"resourceType":"Bundle"},')],
    ['a prefetch key named __proto__ holding a Bundle', () => JSON.stringify(baseRequest()).replace('"prefetch":{', '"prefetch":{"__proto__":{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Observation"}}]},')],
  ])('%s', async (_name, build) => {
    const res = await post('/cds-services/hypomagnesemia', build());
    // Every shape here still holds the valid low magnesium result: the answer is the usual card.
    expect(res.status).toBe(200);
    expect(res.body.cards[0].summary).toMatch(/hypomagnesemia/i);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).resourceType).toBeUndefined();
  });

  it('a hookInstance of 100k characters is a 400 naming the field', async () => {
    const res = await post('/cds-services/hypomagnesemia', JSON.stringify({ ...baseRequest(), hookInstance: 'h'.repeat(100_000) }));
    expect(res.status).toBe(400);
    expect(res.body.issue[0].expression).toEqual(['hookInstance']);
  });

  it('a 10,000-entry Observation Bundle is answered (200) in good time', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => observation({ code: i % 2 ? '2823-3' : '19123-9', value: 1.1 + (i % 7) / 10, unit: i % 2 ? 'mmol/L' : 'mg/dL', hoursAgo: 2 + i, id: `o${i}` }));
    const body = JSON.stringify(hookRequest({ observations: many }));
    const started = Date.now();
    const res = await post('/cds-services/hypomagnesemia', body);
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body.cards)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('a body over the limit is 413 with an OperationOutcome', async () => {
    const res = await request(app).post('/cds-services/hypomagnesemia').set('Content-Type', 'application/json').send(`{"pad":"${'x'.repeat(6 * 1024 * 1024)}"}`);
    expect(res.status).toBe(413);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });
});
