import fc from 'fast-check';
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

  test.each(['2026-11', '2026', '2026-11-22T10:00:00', 'yesterday', '', 'not-a-date', '2026-02-30', '2026-04-31T08:00:00Z', '2026-11-22T24:00:00Z', '2026-11-22T10:60Z', '2026-13-01'])(
    '"%s" cannot date a result',
    (text) => {
      expect(parseFhirDateTime(text)).toBeUndefined();
    },
  );

  test('reads every valid FHIR dateTime exactly as Date.parse does (offsets, fractions, years before 100)', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.record({
          date: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }),
          precision: fc.constantFrom('date', 'minute', 'second', 'fraction'),
          fraction: fc.stringMatching(/^[0-9]{1,9}$/),
          zone: fc.oneof(fc.constant('Z'), fc.tuple(fc.constantFrom('+', '-'), fc.integer({ min: 0, max: 14 }), fc.constantFrom(0, 30, 45)).map(([sign, h, min]) => `${sign}${two(h)}:${two(min)}`)),
        }),
        ({ date, precision, fraction, zone }) => {
          const iso = date.toISOString();
          const text =
            precision === 'date'
              ? iso.slice(0, 10)
              : `${iso.slice(0, precision === 'minute' ? 16 : 19)}${precision === 'fraction' ? `.${fraction}` : ''}${zone}`;
          const expected = Date.parse(precision === 'date' ? `${text}T00:00:00Z` : text);
          expect(parseFhirDateTime(text)?.getTime()).toBe(expected);
        },
      ),
      { numRuns: 3_000 },
    );
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
