import type { LabValue } from '../../clinical/facts';
import type { MagnesiumReading, Tier } from '../assessment';
import type { RuleConfig } from '../config';
import { ageHours, round } from './numbers';

/** Magnesium level → tier (R-CLS-*, R-DATA-5, R-UNIT-2); shared by patient-view and the order checks. */

export type MagnesiumClass =
  | { kind: 'low'; tier: Tier }
  | { kind: 'normal' }
  | { kind: 'high'; value: number }
  | { kind: 'ambiguous'; detail: string };

/** R-CLS-*, R-DATA-5, R-UNIT-2: classify one magnesium value. Thresholds come from the configuration, never from the lab's referenceRange or interpretation (R-DATA-7). */
export function classifyMagnesium(result: LabValue, config: RuleConfig): MagnesiumClass {
  const m = config.magnesium;
  const value = round(result.value, m.compareDecimals);
  const tierOf = (v: number, strictlyBelow: boolean): Tier => {
    // For "<X" the value lies just below X: X at a limit (within the unit-rounding tolerance) is below it.
    const below = (t: number) => (strictlyBelow ? v <= t + m.comparatorToleranceMgDl : v < t);
    if (below(m.severeBelowMgDl)) return 'severe';
    if (below(m.moderateBelowMgDl)) return 'moderate';
    return 'mild';
  };
  switch (result.comparator) {
    case '<': {
      // "<X": the value lies just below X (R-DATA-5); unclassifiable when X is above the low threshold.
      // X is compared unrounded: "< 0.5 mmol/L" is 1.215 mg/dL, within tolerance of the 1.2 limit.
      const bound = result.value;
      if (bound <= m.lowBelowMgDl + m.comparatorToleranceMgDl) return { kind: 'low', tier: tierOf(bound, true) };
      return { kind: 'ambiguous', detail: `reported as < ${result.reported.value} ${result.reported.unit}, which may be normal or low` };
    }
    case '>':
      // ">X" is a lower bound: it can only say "not low", or "high" when X is already high.
      if (value > m.highAboveMgDl) return { kind: 'high', value };
      if (value >= m.lowBelowMgDl) return { kind: 'normal' };
      return { kind: 'ambiguous', detail: `reported as > ${result.reported.value} ${result.reported.unit}, which may be low or normal` };
    default:
      if (value < m.lowBelowMgDl) return { kind: 'low', tier: tierOf(value, false) };
      if (value > m.highAboveMgDl) return { kind: 'high', value };
      return { kind: 'normal' };
  }
}

export function reading(result: LabValue, now: Date, config: RuleConfig): MagnesiumReading {
  return { result, ageHours: ageHours(result, now), mgDl: round(result.value, config.magnesium.compareDecimals) };
}
