import { ckdEpi2021 } from '../../src/clinical/egfr';
import { ageInYears, parseFhirDateTime } from '../../src/clinical/time';

describe('CKD-EPI 2021 creatinine equation', () => {
  // Reference values computed from the published equation (Inker et al., NEJM 2021).
  test.each([
    [1.0, 50, 'male', 92],
    [1.0, 50, 'female', 69],
    [0.7, 40, 'female', 112],
    [2.5, 70, 'male', 27],
    [2.0, 80, 'female', 25],
    [4.0, 60, 'male', 16],
  ] as const)('Scr %s mg/dL, %s y, %s → %s', (scr, age, sex, expected) => {
    expect(Math.round(ckdEpi2021(scr, age, sex)!)).toBe(expected);
  });

  test('is not defined for children or impossible inputs', () => {
    expect(ckdEpi2021(0.5, 12, 'male')).toBeUndefined();
    expect(ckdEpi2021(0, 50, 'male')).toBeUndefined();
    expect(ckdEpi2021(Number.NaN, 50, 'female')).toBeUndefined();
  });
});

describe('FHIR dates', () => {
  test.each([
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00+02:00', '2026-11-22T08:00:00.000Z'],
    ['2026-11-22T10:00:00.123-05:00', '2026-11-22T15:00:00.123Z'],
    ['2026-11-22', '2026-11-22T00:00:00.000Z'],
  ])('%s is %s', (text, iso) => expect(parseFhirDateTime(text)?.toISOString()).toBe(iso));

  test.each(['2026-11', '2026', '2026-11-22T10:00:00', 'yesterday', '', 'not-a-date'])('"%s" cannot date a result', (text) => {
    expect(parseFhirDateTime(text)).toBeUndefined();
  });

  test('age in whole years, youngest possible for partial dates', () => {
    const now = new Date('2026-11-22T12:00:00Z');
    expect(ageInYears('2008-11-22', now)).toBe(18);
    expect(ageInYears('2008-11-23', now)).toBe(17);
    expect(ageInYears('2023-04-10', now)).toBe(3);
    expect(ageInYears('2008-12', now)).toBe(17);
    expect(ageInYears('2008', now)).toBe(17);
    expect(ageInYears('2030-01-01', now)).toBeUndefined();
    expect(ageInYears('2008-02-30', now)).toBeUndefined();
    expect(ageInYears(undefined, now)).toBeUndefined();
  });
});
