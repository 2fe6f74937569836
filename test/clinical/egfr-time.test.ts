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
    ['0000-02-29', '0000-02-29T00:00:00.000Z'],
    ['2024-02-29T23:59:59.9999Z', '2024-02-29T23:59:59.999Z'],
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

  test('agrees with the regex and Date.parse reading on near-miss texts (one character changed, cut or added)', () => {
    // The reading the hand-written parser replaced (issue 15): grammar by regex, calendar by hand, value by Date.parse.
    const grammar = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2}))?$/;
    const reference = (text: string): number | undefined => {
      if (!grammar.test(text)) return undefined;
      const year = Number(text.slice(0, 4));
      const month = Number(text.slice(5, 7));
      const day = Number(text.slice(8, 10));
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      const lastDay = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
      if (lastDay === undefined || day > lastDay) return undefined;
      if (text.length > 10 && text.slice(11, 13) === '24') return undefined;
      const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
      return Number.isFinite(ms) ? ms : undefined;
    };
    const seeds = ['2024-02-29T23:59:59.999+14:00', '1999-12-31T00:00Z', '0004-02-29', '2026-11-22T10:00:00.5-09:30', '2100-02-28T12:30:45Z'];
    const alphabet = '0123456789-+:.TZ x9';
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(40), fc.constantFrom('set', 'cut', 'add'), fc.nat(alphabet.length - 1)), { minLength: 1, maxLength: 3 }),
        (seed, edits) => {
          let text = seed;
          for (const [position, kind, letter] of edits) {
            const at = position % (text.length + 1);
            const char = alphabet[letter]!;
            text = kind === 'cut' ? text.slice(0, at) + text.slice(at + 1) : kind === 'add' ? text.slice(0, at) + char + text.slice(at) : text.slice(0, at) + char + text.slice(at + 1);
          }
          expect([text, parseFhirDateTime(text)?.getTime()]).toEqual([text, reference(text)]);
        },
      ),
      { numRuns: 20_000 },
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
