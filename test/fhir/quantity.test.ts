import { normaliseUnitCode, toCanonicalUnit } from '../../src/fhir/quantity';

describe('unit normalisation (R-UNIT-1, clinical-rules.md §2)', () => {
  test.each([
    ['mEq/L', 'meq/L'],
    ['MEQ/L', 'meq/L'],
    ['µmol/L', 'umol/L'],
    ['mL/min/1.73m2', 'mL/min/{1.73_m2}'],
    ['mL/min/1.73 m²', 'mL/min/{1.73_m2}'],
    ['lb', '[lb_av]'],
    [' mg/dL ', 'mg/dL'],
  ])('%s → %s', (raw, expected) => expect(normaliseUnitCode(raw)).toBe(expected));

  test.each([
    // analyte, value, unit, expected canonical value (tolerance 0.005)
    ['magnesium', 1.6, 'mg/dL', 1.6],
    ['magnesium', 1.6, 'mg/dl', 1.6],
    ['magnesium', 0.55, 'mmol/L', 1.3368],
    ['magnesium', 0.74, 'mmol/l', 1.7986],
    ['magnesium', 1.5, 'meq/L', 1.8229],
    ['magnesium', 1.5, 'mEq/L', 1.8229],
    ['magnesium', 1.5, 'MEQ/L', 1.8229],
    ['potassium', 3.2, 'mmol/L', 3.2],
    ['potassium', 3.2, 'mEq/L', 3.2],
    ['calciumTotal', 2.1, 'mmol/L', 8.4168],
    ['calciumIonized', 4.4, 'mg/dL', 1.0978],
    ['albumin', 35, 'g/L', 3.5],
    ['creatinine', 177, 'umol/L', 2.0022],
    ['creatinine', 221, 'µmol/L', 2.5],
    ['egfr', 25, 'mL/min/{1.73_m2}', 25],
    ['egfr', 25, 'mL/min/1.73m2', 25],
    ['weight', 33, '[lb_av]', 14.9685],
    ['weight', 33, 'lbs', 14.9685],
    ['weight', 15000, 'g', 15],
    ['qtc', 0.51, 's', 510],
  ] as const)('%s %s %s → canonical %s', (analyte, value, unit, expected) => {
    const result = toCanonicalUnit(analyte, value, [unit]);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value).toBeCloseTo(expected, 2);
      expect(result.fromUnit).toBe(unit);
    }
  });

  test('a missing unit is never guessed', () => {
    expect(toCanonicalUnit('magnesium', 1.6, [undefined])).toEqual({ ok: false, problem: 'unit-missing', unitText: undefined });
    expect(toCanonicalUnit('magnesium', 1.6, [''])).toMatchObject({ ok: false, problem: 'unit-missing' });
  });

  test.each([
    ['magnesium', 'kg'],
    ['magnesium', 'mg'],
    ['magnesium', 'furlongs'],
    ['potassium', '%'],
    ['weight', 'mg/dL'],
  ] as const)('%s in "%s" is not convertible', (analyte, unit) => {
    expect(toCanonicalUnit(analyte, 1, [unit])).toMatchObject({ ok: false, problem: 'unit-unknown', unitText: unit });
  });
});
