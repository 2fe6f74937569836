import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { FAST_PATH_AUTHORIZATION_MEMBERS, FAST_PATH_MEMBERS, FAST_PATH_PATIENT_VIEW_CONTEXT_MEMBERS, isWellFormedPatientViewContext, parseHookRequest } from '../../src/cds/hook-request';
import { fhirAuthorizationSchema, hookRequestSchema, patientViewContextSchema } from '../../src/cds/schemas';
import { CASES_DIR, hookRequest, observation, readJson } from '../helpers';

/**
 * The fast path of parseHookRequest must accept only what hookRequestSchema accepts, and return
 * what the schema would; bodies it does not recognise must get the schema's own answer.
 */

const body = () =>
  ({
    ...hookRequest({ observations: [observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' })] }),
    fhirServer: 'https://ehr.example.org/fhir',
    fhirAuthorization: { access_token: 'abc', token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds' },
  }) as Record<string, unknown>;

/** Replacement values for one member: right and wrong types, edges zod treats specially. */
const memberValues: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    undefined, null, '', 'x', 'a\u0000b', 'x'.repeat(257), 'x'.repeat(256), [], {}, 0, 42, -1, true,
    'https://ehr.example.org/fhir', ' https://ehr.example.org/fhir', 'https://ehr.example.org/fhir\n', 'https://ehr.exa\tmple.org/',
    'http:ehr.example.org', 'https:/ehr', 'ftp://ehr.example.org', 'HTTPS://EHR.EXAMPLE.ORG/fhir', 'https://', 'https://[::1]:8443/fhir',
    { resourceType: 'Patient' }, { resourceType: '' }, { resourceType: 7 }, { entry: [] },
    { access_token: 'abc' }, { access_token: '' }, { access_token: 'abc', expires_in: '300' }, { access_token: 'abc', scope: 7 },
    { patient: { resourceType: 'Patient' }, observations: null }, { patient: [] }, { patient: 'Patient/1' },
    JSON.parse('{"__proto__": {"resourceType": "Patient"}}'),
  ),
);

const MEMBERS = [...FAST_PATH_MEMBERS, 'extra'];

function expectSameAsSchema(input: unknown) {
  const fast = parseHookRequest(input);
  const schema = hookRequestSchema.safeParse(input);
  expect(fast.success).toBe(schema.success);
  if (fast.success && schema.success) expect(fast.data).toEqual(schema.data);
  else expect(fast.error?.issues).toEqual(schema.error?.issues);
}

describe('parseHookRequest', () => {
  test('covers every member of the request schema, fhirAuthorization and the patient-view context', () => {
    expect([...FAST_PATH_MEMBERS].sort()).toEqual(Object.keys(hookRequestSchema.shape).sort());
    expect([...FAST_PATH_AUTHORIZATION_MEMBERS].sort()).toEqual(Object.keys(fhirAuthorizationSchema.shape).sort());
    expect([...FAST_PATH_PATIENT_VIEW_CONTEXT_MEMBERS].sort()).toEqual(Object.keys(patientViewContextSchema.shape).sort());
  });

  test('takes the fast path for a well-formed body and returns the body itself', () => {
    const input = body();
    const parsed = parseHookRequest(input);
    expect(parsed.success && parsed.data).toBe(input); // the schema would have returned a copy
    expect(hookRequestSchema.safeParse(input).success).toBe(true);
  });

  test('takes the fast path, with the schema answer, for every public case', () => {
    const files = readdirSync(CASES_DIR).filter((f) => f.endsWith('.json') && f !== 'expected.json');
    expect(files.length).toBeGreaterThan(5);
    for (const file of files) {
      const request = readJson(join(CASES_DIR, file));
      expect(parseHookRequest(request)).toEqual({ success: true, data: request });
      expectSameAsSchema(request);
    }
  });

  test('agrees with the schema when any member is replaced by any value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...MEMBERS), memberValues, (member, value) => {
        const input = body();
        if (value === undefined) delete input[member];
        else input[member] = value;
        expectSameAsSchema(input);
      }),
      { numRuns: 3000 },
    );
  });

  test('agrees with the schema when a prefetch value or an authorization member is replaced', () => {
    fc.assert(
      fc.property(fc.constantFrom('patient', 'observations', 'new-key'), fc.constantFrom(...FAST_PATH_AUTHORIZATION_MEMBERS), memberValues, memberValues, (key, member, resource, value) => {
        const input = body();
        (input.prefetch as Record<string, unknown>)[key] = resource;
        (input.fhirAuthorization as Record<string, unknown>)[member] = value;
        expectSameAsSchema(input);
      }),
      { numRuns: 2000 },
    );
  });

  test('refuses what the schema refuses, with the schema issues naming the field', () => {
    const bad = { ...body(), fhirServer: 'ftp://ehr.example.org' };
    const parsed = parseHookRequest(bad);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['fhirServer']);
  });

  test('recognises a patient-view context only when the schema accepts it unchanged', () => {
    const context = { userId: 'Practitioner/example', patientId: 'pat-1', encounterId: 'enc-1' };
    expect(isWellFormedPatientViewContext(context)).toBe(true);
    const contextValues = fc.oneof(memberValues, fc.constantFrom('pat-1', 'a'.repeat(64), 'a'.repeat(65), 'pat 1', 'Patient/1', 'pät', 'x\n'));
    fc.assert(
      fc.property(fc.constantFrom(...FAST_PATH_PATIENT_VIEW_CONTEXT_MEMBERS, 'extra'), contextValues, (member, value) => {
        const input: Record<string, unknown> = { ...context };
        if (value === undefined) delete input[member];
        else input[member] = value;
        const schema = patientViewContextSchema.safeParse(input);
        if (isWellFormedPatientViewContext(input)) {
          expect(schema.success).toBe(true);
          expect(schema.data).toEqual(input);
        }
      }),
      { numRuns: 2000 },
    );
    for (const notAContext of [null, [], 'pat-1', JSON.parse('{"patientId": "pat-1", "__proto__": {}}')]) expect(isWellFormedPatientViewContext(notAContext)).toBe(false);
  });
});
