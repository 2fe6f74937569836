import fc from 'fast-check';
import { num, when } from '../../src/cards/format';

/** The card text helpers are fast paths; their output must stay exactly the straightforward one. */

test('num gives the same text as toFixed with trailing zeros dropped, also for repeated values', () => {
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 4 }), (value, decimals) => {
      const expected = String(Number(value.toFixed(decimals)));
      expect(num(value, decimals)).toBe(expected);
      expect(num(value, decimals)).toBe(expected); // remembered
    }),
    { numRuns: 2_000 },
  );
  expect([num(2), num(0.5), num(1.3368), num(1.3368, 1), num(9.87654, 3)]).toEqual(['2', '0.5', '1.34', '1.3', '9.877']);
});

test('when gives the ISO date and minute in UTC for every date', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }), (date) => {
      expect(when(date)).toBe(`${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`);
    }),
    { numRuns: 2_000 },
  );
  expect(when(new Date('2026-11-22T10:05:59.999Z'))).toBe('2026-11-22 10:05 UTC');
});
