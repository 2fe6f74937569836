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

/** Longest unit string handed to the UCUM parser; real lab units are far shorter. */
export const MAX_UNIT_LENGTH = 40;
/** Most unit conversions remembered; the oldest is forgotten first, so hostile units cannot fill it. */
export const MAX_CACHED_CONVERSIONS = 500;
/** Most unreadable results whose unit is parsed per analyte in one call (older ones are not read). */
export const MAX_UNREADABLE_PER_ANALYTE = 50;

// Whitespace and control characters: UCUM has none, and the library echoes such units to the console.
const UNPARSEABLE = /[\s\p{Cc}\p{Cf}\u2028\u2029]/u;

/** True when `unit` may be given to the UCUM parser at all. */
export function isParseableUnit(unit: string): boolean {
  return unit.length > 0 && unit.length <= MAX_UNIT_LENGTH && !UNPARSEABLE.test(unit);
}

const factorCache = new Map<string, number | null>();
let parseAttempts = 0;

/** Conversion work done so far (tests and diagnostics): parser calls and remembered conversions. */
export function unitConversionStats(): { parseAttempts: number; cached: number } {
  return { parseAttempts, cached: factorCache.size };
}

/**
 * Runs a UCUM library call with the console silenced: the library logs raw unit strings with
 * console.log, and no third-party code may write to stdout on a request path. The calls are
 * synchronous, so nothing else runs while the console is swapped.
 */
function quietly<T>(work: () => T): T {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
  const silent = () => undefined;
  Object.assign(console, { log: silent, info: silent, warn: silent, error: silent, debug: silent });
  try {
    return work();
  } finally {
    Object.assign(console, saved);
  }
}

/** Multiplier from `unit` to the analyte's canonical unit, or null when not convertible. */
function conversionFactor(analyte: Analyte, unit: string): number | null {
  if (!isParseableUnit(unit)) return null;
  const target = ANALYTE_UNITS[analyte];
  // Analytes with the same canonical unit, weight and charge share one entry.
  const key = `${target.canonical}|${target.molecularWeight ?? ''}|${target.charge ?? ''}|${unit}`;
  const cached = factorCache.get(key);
  if (cached !== undefined) {
    // Refresh its place, so the conversions in use stay while one-off units age out.
    factorCache.delete(key);
    factorCache.set(key, cached);
    return cached;
  }
  const options: { molecularWeight?: number; charge?: number } = {};
  if (target.molecularWeight !== undefined) options.molecularWeight = target.molecularWeight;
  if (target.charge !== undefined) options.charge = target.charge;
  let factor: number | null = null;
  parseAttempts += 1;
  try {
    const result = quietly(() => ucum.convertUnitTo(unit, 1, target.canonical, options));
    factor = result.status === 'succeeded' && typeof result.toVal === 'number' && Number.isFinite(result.toVal) && result.toVal > 0
      ? result.toVal
      : null;
  } catch {
    factor = null;
  }
  factorCache.set(key, factor);
  if (factorCache.size > MAX_CACHED_CONVERSIONS) factorCache.delete(factorCache.keys().next().value!);
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
