import { PlaceholderError, resolvePlaceholder, resolvePlaceholders } from '../../src/demo/time';

const NOW = new Date('2026-03-31T10:20:30.456Z');

describe('demo fixture time placeholders', () => {
  test.each([
    ['@now', '2026-03-31T10:20:30Z'],
    ['@now-PT6H', '2026-03-31T04:20:30Z'],
    ['@now-P1DT6H', '2026-03-30T04:20:30Z'],
    ['@now-P5D', '2026-03-26T10:20:30Z'],
    ['@now+PT30M', '2026-03-31T10:50:30Z'],
    ['@today', '2026-03-31'],
    ['@today-P7Y4M', '2018-11-30'],
    ['@today-P2W', '2026-03-17'],
    ['@today-P1M', '2026-02-28'],
  ])('%s → %s', (placeholder, expected) => {
    expect(resolvePlaceholder(placeholder, NOW)).toBe(expected);
  });

  test('other strings pass unchanged; bad durations are refused', () => {
    expect(resolvePlaceholder('2026-01-01T00:00:00Z', NOW)).toBe('2026-01-01T00:00:00Z');
    expect(resolvePlaceholder('me@now-PT6H', NOW)).toBe('me@now-PT6H');
    expect(() => resolvePlaceholder('@now-P', NOW)).toThrow(PlaceholderError);
    expect(() => resolvePlaceholder('@now-PT', NOW)).toThrow(PlaceholderError);
    expect(() => resolvePlaceholder('@now-6h', NOW)).toThrow(PlaceholderError);
  });

  test('resolves deep inside objects and arrays without touching the input', () => {
    const input = { a: [{ when: '@now-PT1H' }, 3, null, true], b: { birthDate: '@today-P1Y' } };
    const out = resolvePlaceholders(input, NOW);
    expect(out).toEqual({ a: [{ when: '2026-03-31T09:20:30Z' }, 3, null, true], b: { birthDate: '2025-03-31' } });
    expect(input.a[0]).toEqual({ when: '@now-PT1H' });
  });
});
