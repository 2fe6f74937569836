import { checkTargets, type PrefetchMissingSummary, type SummaryRow } from '../../bench/report';
import type { TargetId } from '../../bench/targets';

function row(size: string, target: TargetId, cpuMsPerRequest: number, cpuAboveExpressMs: number): SummaryRow {
  return {
    size,
    bytes: 5_000,
    target,
    label: target,
    requestsPerSecond: 1_000,
    p50Ms: 1,
    p99Ms: 2,
    unloadedP50Ms: 0.5,
    unloadedP99Ms: 1,
    cpuMsPerRequest,
    peakRssMb: 150,
    startupRssMb: 100,
    cards: 1,
    spread: { rpsVsExpress: [0.5, 0.5], cpuVsExpress: [2, 2], cpuAboveExpressMs: [cpuAboveExpressMs - 0.01, cpuAboveExpressMs + 0.01] },
    cpuAboveExpressMs,
    rpsVsBare: 0.2,
    rpsVsExpress: 0.5,
    cpuVsBare: 5,
    cpuVsExpress: cpuMsPerRequest / 0.4,
  };
}

describe('bench targets', () => {
  const fixedCost = (serviceCpu: number, above: number) =>
    checkTargets([row('5 KB', 'express', 0.4, 0), row('5 KB', 'service', serviceCpu, above)], undefined).find((c) => c.what.startsWith('fixed cost'))!;

  test("the 5 KB fixed cost is judged in ms and also given against (b)'s own cost on the same host", () => {
    const over = fixedCost(0.7, 0.3);
    expect(over.measured).toBe("0.300 (0.290–0.310) ms (0.75 × (b)'s own 0.400 ms per call)");
    expect(over.pass).toBe(false);
    expect(over.timing).toBe(true);
    expect(fixedCost(0.65, 0.25).pass).toBe(true);
  });

  test('the prefetch-missing run is held to the same peak RSS as the shapes', () => {
    const fetching = (peakRssMb: number): PrefetchMissingSummary => ({
      fhirDelayMs: 20,
      requestsPerSecond: 400,
      p50Ms: 24,
      p99Ms: 45,
      unloadedP50Ms: 22,
      unloadedP99Ms: 27,
      cpuMsPerRequest: 2.5,
      peakRssMb,
      fetchesPerCall: 5,
      maxParallelFetches: 5,
    });
    const rss = (peak: number) => checkTargets([row('5 KB', 'service', 0.6, 0.2)], fetching(peak)).find((c) => c.what.includes('prefetch missing'))!;
    expect(rss(313)).toMatchObject({ target: '≤ 200 MB', measured: '313 MB', pass: false, timing: false });
    expect(rss(183).pass).toBe(true);
  });
});
