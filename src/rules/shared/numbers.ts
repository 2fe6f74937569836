import type { AnalyteFacts, LabValue } from '../../clinical/facts';
import { HOUR_MS } from '../../clinical/time';
import type { DatedResult, Indicator } from '../assessment';

/** Small pure helpers both rule sets use: indicator ranking, rounding, windows, safe comparisons. */

export const INDICATOR_RANK: Record<Indicator, number> = { info: 0, warning: 1, critical: 2 };
export const raise = (current: Indicator, atLeast: Indicator): Indicator =>
  INDICATOR_RANK[atLeast] > INDICATOR_RANK[current] ? atLeast : current;

export const round = (value: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

export const ageHours = (result: { effective: Date }, now: Date) => (now.getTime() - result.effective.getTime()) / HOUR_MS;

/** Latest accepted result of an analyte no older than `windowMs`. */
export function latestWithin(facts: AnalyteFacts | undefined, now: Date, windowMs: number): DatedResult | undefined {
  const result = facts?.results[0];
  if (!result) return undefined;
  const age = now.getTime() - result.effective.getTime();
  return age <= windowMs ? { result, ageHours: age / HOUR_MS } : undefined;
}

/** True only when the result is certainly below the threshold (a `>` bound never is). */
export function certainlyBelow(result: LabValue, threshold: number, decimals = 2): boolean {
  const value = round(result.value, decimals);
  if (result.comparator === '<') return value <= threshold;
  if (result.comparator === '>') return false;
  return value < threshold;
}
