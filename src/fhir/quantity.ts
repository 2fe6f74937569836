import { UcumLhcUtils } from '@lhncbc/ucum-lhc';
import type { Analyte } from '../clinical/codes';

/**
 * UCUM unit handling (clinical-rules.md §2, R-UNIT-1). Units are read from the Quantity,
 * corrected only for spellings that are unambiguous in lab feeds, and converted by
 * @lhncbc/ucum-lhc. A unit that cannot be read is an error, never a guess from the LOINC code.
 */

interface AnalyteUnit {
  /** The unit every rule threshold of this analyte is written in. */
  canonical: string;
  molecularWeight?: number;
  charge?: number;
}

export const ANALYTE_UNITS: Record<Analyte, AnalyteUnit> = {
  magnesium: { canonical: 'mg/dL', molecularWeight: 24.305, charge: 2 },
  potassium: { canonical: 'mmol/L', molecularWeight: 39.098, charge: 1 },
  calciumTotal: { canonical: 'mg/dL', molecularWeight: 40.078, charge: 2 },
  calciumCorrected: { canonical: 'mg/dL', molecularWeight: 40.078, charge: 2 },
  calciumIonized: { canonical: 'mmol/L', molecularWeight: 40.078, charge: 2 },
  albumin: { canonical: 'g/dL' },
  creatinine: { canonical: 'mg/dL', molecularWeight: 113.12 },
  egfr: { canonical: 'mL/min/{1.73_m2}' },
  weight: { canonical: 'kg' },
  qtc: { canonical: 'ms' },
};

/** Spellings seen in feeds that are not valid UCUM but have exactly one meaning. */
const EXPLICIT_UNIT_MAP: Record<string, string> = {
  'ml/min/1.73m2': 'mL/min/{1.73_m2}',
  'ml/min/1.73 m2': 'mL/min/{1.73_m2}',
  'ml/min/1.73m^2': 'mL/min/{1.73_m2}',
  'ml/min/1.73 m^2': 'mL/min/{1.73_m2}',
  'ml/min/1.73m²': 'mL/min/{1.73_m2}',
  'ml/min/1.73 m²': 'mL/min/{1.73_m2}',
  'ml/min/{1.73m2}': 'mL/min/{1.73_m2}',
  'ml/min/1.73_m2': 'mL/min/{1.73_m2}',
  lb: '[lb_av]',
  lbs: '[lb_av]',
  msec: 'ms',
};

/**
 * Lab units whose upper- or mixed-case spelling (HL7 v2 feeds send `MG/DL`, `MMOL/L`) has only one
 * meaning; UCUM itself is case-sensitive, so these are mapped to their UCUM spelling first.
 */
const CASE_INSENSITIVE_UNITS = new Map(
  ['mg/dL', 'mmol/L', 'meq/L', 'umol/L', 'g/dL', 'g/L', 'mg/L', 'kg', 'ms', 'mL/min', 'mL/min/{1.73_m2}'].map((u) => [u.toLowerCase(), u]),
);

/** Fixes `mEq`→`meq` (R-UNIT table), `µ`→`u`, case, and the explicit map; otherwise returns the code trimmed. */
export function normaliseUnitCode(raw: string): string {
  const trimmed = raw.trim();
  const lower = trimmed.toLowerCase();
  const mapped = EXPLICIT_UNIT_MAP[lower];
  if (mapped) return mapped;
  const fixed = trimmed.replace(/meq/gi, 'meq').replace(/[µμ]/g, 'u');
  return CASE_INSENSITIVE_UNITS.get(fixed.toLowerCase()) ?? fixed;
}

const ucum = UcumLhcUtils.getInstance();
const factorCache = new Map<string, number | null>();

/** Multiplier from `unit` to the analyte's canonical unit, or null when not convertible. */
function conversionFactor(analyte: Analyte, unit: string): number | null {
  const key = `${analyte}|${unit}`;
  const cached = factorCache.get(key);
  if (cached !== undefined) return cached;
  const target = ANALYTE_UNITS[analyte];
  const options: { molecularWeight?: number; charge?: number } = {};
  if (target.molecularWeight !== undefined) options.molecularWeight = target.molecularWeight;
  if (target.charge !== undefined) options.charge = target.charge;
  let factor: number | null = null;
  try {
    const result = ucum.convertUnitTo(unit, 1, target.canonical, options);
    factor = result.status === 'succeeded' && typeof result.toVal === 'number' && Number.isFinite(result.toVal) && result.toVal > 0
      ? result.toVal
      : null;
  } catch {
    factor = null;
  }
  if (factorCache.size < 10_000) factorCache.set(key, factor);
  return factor;
}

export type UnitProblem = 'unit-missing' | 'unit-unknown';

export type Conversion =
  | { ok: true; value: number; unit: string; fromUnit: string }
  | { ok: false; problem: UnitProblem; unitText: string | undefined };

/**
 * Converts a value to the analyte's canonical unit. `candidates` are the unit strings of the
 * Quantity in order of trust (the UCUM `code`, then the display `unit`); the first convertible
 * one is used.
 */
export function toCanonicalUnit(analyte: Analyte, value: number, candidates: Array<string | undefined>): Conversion {
  const present = candidates.filter((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (present.length === 0) return { ok: false, problem: 'unit-missing', unitText: undefined };
  for (const candidate of present) {
    const unit = normaliseUnitCode(candidate);
    const factor = conversionFactor(analyte, unit);
    if (factor !== null) {
      return { ok: true, value: value * factor, unit: ANALYTE_UNITS[analyte].canonical, fromUnit: candidate };
    }
  }
  return { ok: false, problem: 'unit-unknown', unitText: present[0] };
}
