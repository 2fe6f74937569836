import type { Resource } from 'fhir/r4';
import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { defaultRuleConfig } from '../../src/rules/config';

/** How the facts pass reads a magnesium result's value (FHIRPath on the picked result only). */
const index = buildFactIndex(defaultRuleConfig);
const now = new Date('2026-12-03T12:00:00Z');

function magnesium(value: Record<string, unknown>): Resource {
  return {
    resourceType: 'Observation',
    id: 'mg',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '19123-9' }] },
    subject: { reference: 'Patient/p1' },
    effectiveDateTime: '2026-12-03T08:00:00Z',
    ...value,
  } as unknown as Resource;
}

const read = (value: Record<string, unknown>) => extractFacts([magnesium(value)], 'p1', index, now).labs.magnesium;

describe('reading a magnesium result value', () => {
  test.each([
    ['a UCUM quantity', { valueQuantity: { value: 1.4, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' } }, 1.4],
    ['mmol/L converted to mg/dL', { valueQuantity: { value: 0.5, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' } }, 1.2153],
    ['a unit given only as text', { valueQuantity: { value: 1.9, unit: 'mg/dL' } }, 1.9],
  ])('%s is read', (_what, value, mgDl) => {
    const lab = read(value);
    expect(lab.results).toHaveLength(1);
    expect(lab.results[0]!.value).toBeCloseTo(mgDl, 3);
    expect(lab.skipped).toEqual([]);
  });

  test.each([
    ['no value at all', {}, 'value-missing', 'no value'],
    ['a quantity without a number', { valueQuantity: { unit: 'mg/dL' } }, 'value-missing', 'no value'],
    ['a string value', { valueString: 'see comment' }, 'value-not-numeric', 'value is not a number'],
    ['a coded value', { valueCodeableConcept: { text: 'haemolysed' } }, 'value-not-numeric', 'value is not a number'],
    ['a data-absent reason', { dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'error' }] } }, 'value-missing', 'no value (error)'],
    ['a data-absent reason as text', { dataAbsentReason: { text: 'specimen clotted' } }, 'value-missing', 'no value (specimen clotted)'],
    ['a number as text inside the quantity', { valueQuantity: { value: '1.4', unit: 'mg/dL' } }, 'value-not-numeric', 'value is not a valid number'],
  ])('%s is skipped and named, never guessed', (_what, value, reason, detail) => {
    const lab = read(value);
    expect(lab.results).toEqual([]);
    expect(lab.skipped).toEqual([expect.objectContaining({ analyte: 'magnesium', reason, detail })]);
  });
});
