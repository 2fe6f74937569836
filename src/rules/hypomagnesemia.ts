import type { AnalyteFacts, LabValue, PatientFacts, SkippedResult } from '../clinical/facts';
import { ckdEpi2021 } from '../clinical/egfr';
import { ageInYears, DAY_MS, HOUR_MS } from '../clinical/time';
import type { Analyte } from '../clinical/codes';
import type {
  Assessment,
  CalciumFinding,
  DatedResult,
  DosePlan,
  FollowUp,
  Indicator,
  IvDose,
  MagnesiumReading,
  Modifiers,
  OralDose,
  RenalImpairment,
  Tier,
} from './assessment';
import type { RuleConfig } from './config';

/**
 * The hypomagnesemia rule set (clinical-rules.md §3-§4): PatientFacts + RuleConfig + now →
 * Assessment. Pure and deterministic: no I/O, no clock, no randomness.
 * Order of precedence: data rules → level tier → symptoms → modifiers (never lower the indicator).
 */

const INDICATOR_RANK: Record<Indicator, number> = { info: 0, warning: 1, critical: 2 };
const raise = (current: Indicator, atLeast: Indicator): Indicator =>
  INDICATOR_RANK[atLeast] > INDICATOR_RANK[current] ? atLeast : current;

const round = (value: number, decimals: number) => {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
};

const ageHours = (result: { effective: Date }, now: Date) => (now.getTime() - result.effective.getTime()) / HOUR_MS;

/** Latest accepted result of an analyte no older than `windowMs`. */
function latestWithin(facts: AnalyteFacts | undefined, now: Date, windowMs: number): DatedResult | undefined {
  const result = facts?.results[0];
  if (!result) return undefined;
  const age = now.getTime() - result.effective.getTime();
  return age <= windowMs ? { result, ageHours: age / HOUR_MS } : undefined;
}

/** True only when the result is certainly below the threshold (a `>` bound never is). */
function certainlyBelow(result: LabValue, threshold: number, decimals = 2): boolean {
  const value = round(result.value, decimals);
  if (result.comparator === '<') return value <= threshold;
  if (result.comparator === '>') return false;
  return value < threshold;
}

// ------------------------------------------------------------------ magnesium

type MagnesiumClass =
  | { kind: 'low'; tier: Tier }
  | { kind: 'normal' }
  | { kind: 'high'; value: number }
  | { kind: 'ambiguous'; detail: string };

/** R-CLS-*, R-DATA-5, R-UNIT-2: classify one magnesium value. */
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

function reading(result: LabValue, now: Date, config: RuleConfig): MagnesiumReading {
  return { result, ageHours: ageHours(result, now), mgDl: round(result.value, config.magnesium.compareDecimals) };
}

// ------------------------------------------------------------------ modifiers

function assessRenal(facts: PatientFacts, config: RuleConfig, now: Date, ageYears: number | undefined): RenalImpairment | undefined {
  const window = config.renal.windowDays * DAY_MS;
  const found: RenalImpairment = { conditions: facts.conditions.renal };
  const egfr = latestWithin(facts.labs.egfr, now, window);
  const creatinine = latestWithin(facts.labs.creatinine, now, window);
  let impaired = facts.conditions.renal.length > 0;
  if (egfr) {
    if (certainlyBelow(egfr.result, config.renal.egfrBelow)) {
      found.egfr = egfr;
      impaired = true;
    }
  } else if (creatinine) {
    // No eGFR result: compute CKD-EPI 2021 (adults with a recorded sex), and keep the creatinine rule.
    if (creatinine.result.comparator === undefined && ageYears !== undefined && facts.sex) {
      const computed = ckdEpi2021(creatinine.result.value, ageYears, facts.sex);
      if (computed !== undefined && computed < config.renal.egfrBelow) {
        found.computedEgfr = { value: computed, creatinine };
        impaired = true;
      }
    }
    const value = round(creatinine.result.value, 2);
    if (creatinine.result.comparator !== '<' && value > config.renal.creatinineAboveMgDl) {
      found.creatinine = creatinine;
      impaired = true;
    }
  }
  return impaired ? found : undefined;
}

/** R-RENAL-2: eGFR 30-59, or creatinine 1.5-2.0 mg/dL without eGFR: monitor more closely, not a flag. */
function reducedRenalFunction(facts: PatientFacts, config: RuleConfig, now: Date): DatedResult | undefined {
  const window = config.renal.windowDays * DAY_MS;
  const egfr = latestWithin(facts.labs.egfr, now, window);
  if (egfr) return certainlyBelow(egfr.result, config.renal.monitorEgfrBelow) ? egfr : undefined;
  const creatinine = latestWithin(facts.labs.creatinine, now, window);
  if (creatinine && creatinine.result.comparator !== '<' && round(creatinine.result.value, 2) >= config.renal.monitorCreatinineFromMgDl) return creatinine;
  return undefined;
}

function assessCalcium(facts: PatientFacts, config: RuleConfig, now: Date): CalciumFinding | undefined {
  const c = config.calcium;
  const window = c.windowHours * HOUR_MS;
  // Ionized calcium wins over total (R-LYTE-2).
  const ionized = latestWithin(facts.labs.calciumIonized, now, window);
  if (ionized) {
    return certainlyBelow(ionized.result, c.ionizedLowBelowMmolL)
      ? { basis: 'ionized', result: ionized, value: ionized.result.value }
      : undefined;
  }
  const corrected = latestWithin(facts.labs.calciumCorrected, now, window);
  if (corrected) {
    return certainlyBelow(corrected.result, c.totalLowBelowMgDl)
      ? { basis: 'reported-corrected', result: corrected, value: corrected.result.value }
      : undefined;
  }
  const total = latestWithin(facts.labs.calciumTotal, now, window);
  if (!total || total.result.comparator === '>') return undefined;
  const albumin = latestWithin(facts.labs.albumin, now, c.albuminWindowHours * HOUR_MS);
  if (albumin && albumin.result.comparator === undefined) {
    // The correction only adds back calcium bound to missing albumin; a high albumin does not lower it.
    const value = total.result.value + c.albuminCorrectionPerGdL * Math.max(0, c.albuminNormalGdL - albumin.result.value);
    return round(value, 2) < c.totalLowBelowMgDl ? { basis: 'albumin-corrected', result: total, value, albumin } : undefined;
  }
  return certainlyBelow(total.result, c.totalLowBelowMgDl)
    ? { basis: 'uncorrected-total', result: total, value: total.result.value }
    : undefined;
}

function assessModifiers(facts: PatientFacts, config: RuleConfig, now: Date): Modifiers {
  const modifiers: Modifiers = {};
  const age = ageInYears(facts.birthDate, now);

  const qtc = latestWithin(facts.labs.qtc, now, config.symptoms.qtcWindowHours * HOUR_MS);
  const longQtc = qtc && qtc.result.comparator !== '<' && qtc.result.value > config.symptoms.qtcAboveMs ? qtc : undefined;
  if (facts.conditions.symptomatic.length > 0 || longQtc) {
    modifiers.symptomatic = { conditions: facts.conditions.symptomatic };
    if (longQtc) modifiers.symptomatic.qtc = longQtc;
  }

  const renal = assessRenal(facts, config, now, age);
  if (renal) modifiers.renal = renal;
  else {
    const reduced = reducedRenalFunction(facts, config, now);
    if (reduced) modifiers.reducedRenalFunction = reduced;
  }

  const potassium = latestWithin(facts.labs.potassium, now, config.potassium.windowHours * HOUR_MS);
  if (potassium && certainlyBelow(potassium.result, config.potassium.lowBelowMmolL)) modifiers.potassium = potassium;

  const calcium = assessCalcium(facts, config, now);
  if (calcium) modifiers.calcium = calcium;

  if (facts.conditions.pregnancy.length > 0) modifiers.pregnancy = facts.conditions.pregnancy;

  if (age === undefined) modifiers.ageUnknown = true;
  else if (age < config.pediatric.adultFromYears) {
    const weight = latestWithin(facts.labs.weight, now, config.pediatric.weightWindowDays * DAY_MS);
    modifiers.pediatric = weight && weight.result.comparator === undefined && weight.result.value > 0
      ? { ageYears: age, weight }
      : { ageYears: age };
  }

  if (facts.medications.depleting.length > 0) modifiers.depletingMedications = facts.medications.depleting;
  if (facts.medications.magnesium.length > 0) modifiers.magnesiumOrders = facts.medications.magnesium;
  return modifiers;
}

/** Rule IDs the modifiers add (R-SYM-1 … R-MON-3, R-MON-4). */
function modifierRuleIds(m: Modifiers): string[] {
  const ids: string[] = [];
  if (m.symptomatic) ids.push('R-SYM-1');
  if (m.renal) ids.push('R-RENAL-1');
  if (m.reducedRenalFunction) ids.push('R-RENAL-2');
  if (m.potassium) ids.push('R-LYTE-1');
  if (m.calcium) ids.push('R-LYTE-2');
  if (m.pregnancy) ids.push('R-PREG-1');
  if (m.pediatric) ids.push('R-PED-1');
  if (m.depletingMedications) ids.push('R-MED-1');
  if (m.magnesiumOrders?.some((o) => o.oral)) ids.push('R-MON-3');
  return ids;
}

function modifierIndicator(base: Indicator, m: Modifiers): Indicator {
  return m.renal || m.potassium || m.calcium ? raise(base, 'warning') : base;
}

// ------------------------------------------------------------------ doses

function ivDose(tier: Tier, m: Modifiers, config: RuleConfig): IvDose | undefined {
  const fraction = m.renal ? config.renal.doseFraction : 1;
  const p = config.pediatric;
  if (m.pediatric) {
    if (!m.pediatric.weight) return undefined;
    const kg = m.pediatric.weight.result.value;
    const cap = p.ivMaxGramsPerDose;
    const low = Math.min((p.ivMgPerKgLow * kg) / 1000, cap) * fraction;
    const high = Math.min((p.ivMgPerKgHigh * kg) / 1000, cap) * fraction;
    return {
      route: 'iv',
      gramsLow: low,
      gramsHigh: high,
      minutesLow: p.ivInfusionHoursMin * 60,
      minutesHigh: p.ivInfusionHoursMax * 60,
      perKg: { mgPerKgLow: p.ivMgPerKgLow * fraction, mgPerKgHigh: p.ivMgPerKgHigh * fraction, weightKg: kg, capped: (p.ivMgPerKgHigh * kg) / 1000 > cap },
      renalAdjusted: fraction < 1,
      ...(m.symptomatic ? { emergencyMinutes: config.iv.torsadesMinutes } : {}),
    };
  }
  const regimen = m.symptomatic ? config.iv.symptomatic : config.iv[tier];
  return {
    route: 'iv',
    gramsLow: regimen.grams * fraction,
    gramsHigh: regimen.grams * fraction,
    minutesLow: regimen.minutes,
    minutesHigh: regimen.minutes,
    renalAdjusted: fraction < 1,
    ...(m.symptomatic ? { emergencyMinutes: config.iv.torsadesMinutes } : {}),
  };
}

function oralDose(tier: Tier, m: Modifiers, config: RuleConfig): OralDose | undefined {
  if (m.pediatric) {
    // The rule table has no paediatric oral dose: the draft order names the product, not a dose.
    return m.pediatric.weight ? { route: 'oral', renalAdjusted: false } : undefined;
  }
  const regimen = tier === 'mild' ? config.oral.mild : tier === 'moderate' ? config.oral.moderate : config.oral.maintenanceAfterIv;
  const fraction = m.renal ? config.renal.doseFraction : 1;
  const tabletsPerDose = regimen.tabletsPerDose * fraction;
  return {
    route: 'oral',
    tabletsPerDose,
    dosesPerDay: regimen.dosesPerDay,
    mmolPerDay: round(tabletsPerDose * regimen.dosesPerDay * config.oral.product.mmolMagnesiumPerTablet, 1),
    renalAdjusted: fraction < 1,
  };
}

function followUps(m: Modifiers, config: RuleConfig): Record<'iv' | 'oral', FollowUp> {
  return {
    iv: {
      tests: ['magnesium', 'potassium', 'calcium'],
      afterHours: m.renal ? Math.min(config.renal.ivRecheckHours, config.monitoring.ivRecheckHours) : config.monitoring.ivRecheckHours,
    },
    oral: {
      tests: ['magnesium'],
      afterHours: (m.renal ? Math.min(config.renal.oralRecheckDays, config.monitoring.oralRecheckDays) : config.monitoring.oralRecheckDays) * 24,
    },
  };
}

function dosePlan(tier: Tier, m: Modifiers, config: RuleConfig): DosePlan | undefined {
  const recommended = tier === 'severe' || m.symptomatic ? 'iv' : 'oral';
  const iv = ivDose(tier, m, config);
  // After IV repletion an adult may continue orally, except in renal impairment (no routine oral
  // maintenance without review, R-RENAL-1) and in children (no paediatric oral dose in the table).
  const oral = recommended === 'iv' && (m.pediatric || m.renal) ? undefined : oralDose(tier, m, config);
  const doses = [recommended === 'iv' ? iv : oral, recommended === 'iv' ? oral : iv].filter(
    (x): x is IvDose | OralDose => x !== undefined,
  );
  if (doses.length === 0 || doses[0]!.route !== recommended) return undefined;
  return { recommended, doses, followUp: followUps(m, config) };
}

// ------------------------------------------------------------------ the rule set

const isUnreadable = (s: SkippedResult) => s.reason !== 'status';

export function assessHypomagnesemia(facts: PatientFacts, config: RuleConfig, now: Date): Assessment {
  const lookbackMs = config.results.lookbackDays * DAY_MS;
  const within = (d: Date | undefined) => d !== undefined && now.getTime() - d.getTime() <= lookbackMs;
  const mg = facts.labs.magnesium;
  const used = mg.results.find((r) => within(r.effective));
  const newerSkipped = mg.skipped.filter(
    (s) => within(s.effective) && (!used || s.effective!.getTime() > used.effective.getTime()),
  );
  const ruleIds: string[] = [];
  if (mg.found > 1) ruleIds.push('R-DATA-1');
  if (newerSkipped.some((s) => s.reason === 'status')) ruleIds.push('R-DATA-2');

  // R-DATA-6: nothing usable, and the newest verified result could not be read.
  if (!used) {
    // A verified result with no usable date cannot be placed in time; say so rather than stay silent.
    const unreadable = newerSkipped.find(isUnreadable) ?? mg.skipped.find((s) => s.reason === 'no-date');
    if (unreadable) {
      return {
        kind: 'uninterpretable',
        skipped: unreadable,
        ...(unreadable.effective ? { ageHours: ageHours({ effective: unreadable.effective }, now) } : {}),
        indicator: 'info',
        ruleIds: [...ruleIds, 'R-DATA-6'],
      };
    }
    const onlyUnverified = newerSkipped.length > 0;
    return { kind: 'none', reason: onlyUnverified ? 'only-unverified-results' : 'no-result', indicator: 'info', ruleIds: [...ruleIds, onlyUnverified ? 'R-DATA-2' : 'R-DATA-4'].filter((v, i, a) => a.indexOf(v) === i) };
  }

  if (newerSkipped.some(isUnreadable)) ruleIds.push('R-DATA-6');
  if (used.unit !== used.reported.unit && used.reported.unit !== 'mg/dL') ruleIds.push('R-UNIT-1');
  if (used.comparator) ruleIds.push('R-DATA-5');

  const magnesium = reading(used, now, config);
  const cls = classifyMagnesium(used, config);
  const fresh = magnesium.ageHours <= config.results.freshHours;

  if (cls.kind === 'ambiguous') {
    return {
      kind: 'uninterpretable',
      skipped: { analyte: 'magnesium' as Analyte, loinc: used.loinc, reason: 'value-not-numeric', detail: cls.detail, effective: used.effective },
      ageHours: magnesium.ageHours,
      indicator: 'info',
      ruleIds: [...ruleIds, 'R-DATA-5', 'R-DATA-6'],
    };
  }
  if (cls.kind === 'normal') return { kind: 'none', reason: 'normal', indicator: 'info', ruleIds: [...ruleIds, 'R-CLS-1'] };

  const modifiers = assessModifiers(facts, config, now);

  if (cls.kind === 'high') {
    if (!fresh) return { kind: 'none', reason: 'normal', indicator: 'info', ruleIds: [...ruleIds, 'R-DATA-3'] };
    const m = config.magnesium;
    const level = cls.value >= m.hyperCriticalFromMgDl ? 'severe-toxicity' : cls.value >= m.hyperWarningFromMgDl ? 'toxic-risk' : 'above-range';
    let indicator: Indicator = level === 'severe-toxicity' ? 'critical' : level === 'toxic-risk' ? 'warning' : 'info';
    if (modifiers.renal) indicator = raise(indicator, 'warning');
    return {
      kind: 'hyper',
      level,
      magnesium,
      indicator,
      ruleIds: [...ruleIds, 'R-HYPER-1', ...(modifiers.renal ? ['R-RENAL-1'] : [])],
      ...(modifiers.renal ? { renal: modifiers.renal } : {}),
      ...(modifiers.magnesiumOrders ? { magnesiumOrders: modifiers.magnesiumOrders } : {}),
    };
  }

  const tier = cls.tier;
  const tierRule = tier === 'mild' ? 'R-CLS-2' : tier === 'moderate' ? 'R-CLS-3' : 'R-CLS-4';

  if (!fresh) {
    // R-DATA-3: too old to dose from; ask for a recheck first.
    let indicator: Indicator = tier === 'severe' ? 'warning' : 'info';
    indicator = modifierIndicator(indicator, modifiers);
    // Symptoms with a known low magnesium stay critical (R-SYM-1): the recheck is urgent.
    if (modifiers.symptomatic) indicator = 'critical';
    return {
      kind: 'stale',
      tier,
      magnesium,
      modifiers,
      recheck: { tests: ['magnesium', 'potassium', 'calcium', 'creatinine'], afterHours: 0 },
      indicator,
      ignoredNewer: newerSkipped,
      ruleIds: [...ruleIds, tierRule, 'R-DATA-3', ...modifierRuleIds(modifiers)],
    };
  }

  let indicator: Indicator = tier === 'mild' ? 'info' : tier === 'moderate' ? 'warning' : 'critical';
  if (modifiers.symptomatic) indicator = 'critical';
  indicator = modifierIndicator(indicator, modifiers);

  const plan = dosePlan(tier, modifiers, config);
  const monitoringIds = plan ? [plan.recommended === 'iv' ? 'R-MON-1' : 'R-MON-2', ...(modifiers.renal ? ['R-MON-4'] : [])] : [];
  return {
    kind: 'replacement',
    tier,
    magnesium,
    modifiers,
    ...(plan ? { plan } : { withheldReason: 'child-without-weight' as const }),
    indicator,
    ignoredNewer: newerSkipped,
    ruleIds: [...ruleIds, tierRule, ...modifierRuleIds(modifiers), ...monitoringIds],
  };
}
