import type { Modifiers, Tier } from '../assessment';
import type { RuleConfig } from '../config';
import { round } from './numbers';

/**
 * The IV magnesium sulfate level dose (R-IV-2, R-IV-3, R-RENAL-1/3, R-PED-1/2/3), shared by the
 * patient-view rule set and the order checks: what one IV dose should be for this level and patient,
 * or why no dose is given. Pure: reading + modifiers + config → dose.
 */

export interface IvBolus {
  grams: number;
  mg: number;
  mmol: number;
  minutes: number;
  mgPerMinute: number;
  /** Torsades de pointes or cardiac arrest: the one case allowed above the 150 mg/min ceiling. */
  torsadesOrArrest: boolean;
}

export interface IvLevelDose {
  kind: 'dose';
  /** Magnesium sulfate heptahydrate, grams, after rounding (children: nearest 10 mg). */
  grams: number;
  mg: number;
  /** The unit the dose is written in: mg for a dose below 1 g in a child (R-PED-2), else g. */
  unit: 'g' | 'mg';
  mmol: number;
  mEq: number;
  infusionHours: number;
  rateGramsPerHour: number;
  /** Symptomatic (R-SYM-1): the emergency dose given first. */
  bolus?: IvBolus;
  /** Adults: the level dose follows the bolus. A child's one dose is the bolus itself. */
  levelDoseAfterBolus: boolean;
  /** Hours from the start of the (first) dose to the magnesium recheck. */
  recheckHours: number;
  /** Hours from the end of the infusion to the recheck. */
  recheckAfterEndHours: number;
  maxDosePerPeriod: { grams: number; periodHours: number };
  renalAdjusted: boolean;
  renalSevere: boolean;
  /** Per-kg dose (children; unknown age with a weight). */
  weightBased?: { mgPerKg: number; weightKg: number; capped: boolean; cap: 'pediatric-max' | 'adult-dose' };
  /** Severe: the level dose is repeated by level up to this much. */
  repeatUpTo?: { grams: number; hours: number };
}

export interface IvDoseWithheld {
  kind: 'withheld';
  reason: 'neonate' | 'child-without-weight' | 'age-unknown-without-weight';
}

export type IvLevelDoseResult = IvLevelDose | IvDoseWithheld;

/** The reading the dose depends on: converted mg/dL (as compared, R-UNIT-2) and its tier. */
export interface IvDoseReading {
  mgDl: number;
  tier: Tier;
}

const mmolOf = (grams: number, config: RuleConfig) => {
  const mmol = grams * config.iv.mmolPerGram;
  return round(mmol, mmol < 1 ? 2 : 1);
};

/** R-IV-2: the lowest scale row whose limit the level is below; a level above every row takes the mildest row (rows come sorted, buildRuleConfig). */
function scaleRow(mgDl: number, config: RuleConfig) {
  const rows = config.iv.levelScale;
  return rows.find((r) => mgDl < r.belowMgDl) ?? rows[rows.length - 1]!;
}

function adultLevel(reading: IvDoseReading, m: Modifiers, config: RuleConfig) {
  const row = scaleRow(reading.mgDl, config);
  const fraction = m.renal ? config.renal.doseFraction : 1;
  const grams = round(row.grams * fraction, 3);
  // Halve and slow (A14): the renal dose keeps the full dose's time; never faster than 1 g/h.
  const hours = Math.max(row.hours, grams / config.iv.maxGramsPerHour);
  return { grams, hours };
}

function bolusOf(grams: number, m: Modifiers, config: RuleConfig): IvBolus {
  const torsadesOrArrest = m.symptomatic?.torsadesOrArrest === true;
  const minutes = torsadesOrArrest ? config.iv.torsadesMinutes : config.iv.symptomatic.minutes;
  // Outside torsades/arrest the bolus is stretched to keep under the 150 mg/min label ceiling.
  const safeMinutes = torsadesOrArrest ? minutes : Math.max(minutes, (grams * 1000) / config.iv.maxMgPerMinute);
  return {
    grams,
    mg: Math.round(grams * 1000),
    mmol: mmolOf(grams, config),
    minutes: safeMinutes,
    mgPerMinute: round((grams * 1000) / safeMinutes, 1),
    torsadesOrArrest,
  };
}

function maxPerPeriod(m: Modifiers, config: RuleConfig) {
  return m.renal
    ? { grams: config.renal.maxMagnesiumSulfateGramsPer48h, periodHours: 48 }
    : { grams: config.iv.maxGramsPer24h, periodHours: 24 };
}

const afterEnd = (m: Modifiers, config: RuleConfig) =>
  m.renal ? Math.min(config.renal.ivRecheckHours, config.iv.recheckHoursAfterInfusion) : config.iv.recheckHoursAfterInfusion;

function recheckAfter(hours: number, m: Modifiers, config: RuleConfig) {
  return round(hours + afterEnd(m, config), 2);
}

/** Per-kg dose (R-PED-1/2): 50 mg/kg when severe or symptomatic, else 25 mg/kg; rounded to 10 mg, never above the cap. */
function weightBasedDose(reading: IvDoseReading, m: Modifiers, config: RuleConfig, weightKg: number, capGrams: number, cap: 'pediatric-max' | 'adult-dose'): IvLevelDose {
  const p = config.pediatric;
  const high = reading.tier === 'severe' || m.symptomatic !== undefined;
  const mgPerKg = high ? p.ivMgPerKgHigh : p.ivMgPerKgLow;
  const fraction = m.renal ? config.renal.doseFraction : 1;
  const rawMg = mgPerKg * weightKg;
  const capMg = capGrams * 1000;
  const capped = rawMg > capMg;
  const step = p.doseRoundMg;
  const wanted = Math.min(rawMg, capMg) * fraction;
  // Nearest measurable amount (R-PED-2), never above the per-kg maximum or the cap; at least one step.
  const ceiling = Math.min(p.ivMgPerKgHigh * weightKg, capMg) * fraction;
  let mg = Math.round(wanted / step) * step;
  if (mg > ceiling + 1e-9) mg -= step;
  mg = Math.max(step, mg);
  const grams = round(mg / 1000, 3);
  const hours = Math.max(high ? p.ivInfusionHoursMin : p.ivInfusionHoursMax, grams / config.iv.maxGramsPerHour);
  const bolus = m.symptomatic ? bolusOf(grams, m, config) : undefined;
  // A child's per-dose maximum is its maxDosePerPeriod (R-IV-3); renal caps still apply when lower.
  const perDoseMaxGrams = round(Math.min(p.ivMgPerKgHigh * weightKg, capMg) / 1000, 3);
  const renalCap = maxPerPeriod(m, config);
  const maxDose =
    cap === 'pediatric-max'
      ? { grams: perDoseMaxGrams, periodHours: p.maxDosePeriodHours }
      : renalCap;
  return {
    kind: 'dose',
    grams,
    mg,
    unit: grams < 1 ? 'mg' : 'g',
    mmol: mmolOf(grams, config),
    mEq: round(grams * config.iv.mEqPerGram, 1),
    infusionHours: bolus ? bolus.minutes / 60 : hours,
    rateGramsPerHour: bolus ? round(grams / (bolus.minutes / 60), 3) : round(grams / hours, 3),
    ...(bolus ? { bolus } : {}),
    levelDoseAfterBolus: false,
    recheckHours: recheckAfter(bolus ? bolus.minutes / 60 : hours, m, config),
    recheckAfterEndHours: afterEnd(m, config),
    maxDosePerPeriod: maxDose,
    renalAdjusted: fraction < 1,
    renalSevere: m.renal?.severity === 'severe',
    weightBased: { mgPerKg, weightKg, capped, cap },
  };
}

/**
 * R-IV-2 + R-IV-3 + R-RENAL-1/3 + R-PED-1/2/3: the IV level dose for this reading and patient, or
 * the reason none is given (neonate; child without weight; unknown age without weight).
 */
export function ivLevelDose(reading: IvDoseReading, m: Modifiers, config: RuleConfig): IvLevelDoseResult {
  if (m.pediatric) {
    if (m.pediatric.neonate) return { kind: 'withheld', reason: 'neonate' };
    const kg = m.pediatric.weight?.result.value;
    if (kg === undefined) return { kind: 'withheld', reason: 'child-without-weight' };
    return weightBasedDose(reading, m, config, kg, config.pediatric.ivMaxGramsPerDose, 'pediatric-max');
  }
  const adult = adultLevel(reading, m, config);
  if (m.ageUnknown) {
    // R-PED-3: an unknown-age patient may be a child: per-kg dose capped at the adult dose, or none.
    const kg = m.weight?.result.value;
    if (kg === undefined) return { kind: 'withheld', reason: 'age-unknown-without-weight' };
    return weightBasedDose(reading, m, config, kg, scaleRow(reading.mgDl, config).grams, 'adult-dose');
  }
  // Symptomatic: the emergency bolus is given whole (also in renal impairment), then the level dose.
  const bolus = m.symptomatic ? bolusOf(config.iv.symptomatic.grams, m, config) : undefined;
  const repeat = reading.tier === 'severe' && !m.renal ? { grams: config.iv.severeRepeatUpToGrams, hours: config.iv.severeRepeatOverHours } : undefined;
  return {
    kind: 'dose',
    grams: adult.grams,
    mg: Math.round(adult.grams * 1000),
    unit: 'g',
    mmol: mmolOf(adult.grams, config),
    mEq: round(adult.grams * config.iv.mEqPerGram, 1),
    infusionHours: round(adult.hours, 3),
    rateGramsPerHour: round(adult.grams / adult.hours, 3),
    ...(bolus ? { bolus } : {}),
    levelDoseAfterBolus: bolus !== undefined,
    recheckHours: recheckAfter(adult.hours + (bolus ? bolus.minutes / 60 : 0), m, config),
    recheckAfterEndHours: afterEnd(m, config),
    maxDosePerPeriod: maxPerPeriod(m, config),
    renalAdjusted: m.renal !== undefined && config.renal.doseFraction < 1,
    renalSevere: m.renal?.severity === 'severe',
    ...(repeat ? { repeatUpTo: repeat } : {}),
  };
}

/** The premixed bag to name for a dose (R-IV-3): the smallest that holds it, else the largest (bags come sorted, buildRuleConfig). */
export function premixedBagFor(grams: number, config: RuleConfig) {
  const bags = config.iv.premixed;
  return bags.find((b) => b.grams >= grams - 1e-9) ?? bags[bags.length - 1]!;
}
