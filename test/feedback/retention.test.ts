import { retentionCutoff, startRetention } from '../../src/feedback/retention';

describe('retention schedule', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  test('purges shortly after start and then every interval, with the cutoff N days before now', async () => {
    jest.useFakeTimers();
    const cutoffs: string[] = [];
    const purged: number[] = [];
    const now = new Date('2026-11-22T12:00:00Z');
    const stop = startRetention(
      { purgeBefore: async (cutoff) => (cutoffs.push(cutoff.toISOString()), 3) },
      { days: 30, intervalMs: 60_000, now: () => now, onPurged: (n) => purged.push(n) },
    );
    expect(cutoffs).toEqual([]);
    await jest.advanceTimersByTimeAsync(5_000);
    expect(cutoffs).toEqual(['2026-10-23T12:00:00.000Z']);
    await jest.advanceTimersByTimeAsync(120_000);
    expect(cutoffs).toHaveLength(3);
    expect(purged).toEqual([3, 3, 3]);
    stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(cutoffs).toHaveLength(3);
  });

  test('0 days keeps everything: no purge is ever scheduled', async () => {
    jest.useFakeTimers();
    const purge = jest.fn(async () => 0);
    startRetention({ purgeBefore: purge }, { days: 0, intervalMs: 1000 });
    await jest.advanceTimersByTimeAsync(3_600_000);
    expect(purge).not.toHaveBeenCalled();
  });

  test('a failing purge is reported, not thrown', async () => {
    jest.useFakeTimers();
    const errors: string[] = [];
    const stop = startRetention({ purgeBefore: async () => Promise.reject(new Error('db down')) }, { days: 1, onError: (e) => errors.push(e.message) });
    await jest.advanceTimersByTimeAsync(5_000);
    expect(errors).toEqual(['db down']);
    stop();
  });

  test('cutoff arithmetic', () => {
    expect(retentionCutoff(new Date('2026-03-01T00:00:00Z'), 365).toISOString()).toBe('2025-03-01T00:00:00.000Z');
  });
});
