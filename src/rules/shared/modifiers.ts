import type { PatientFacts } from '../../clinical/facts';
import { ckdEpi2021 } from '../../clinical/egfr';
import { ageInDaysAndMonths, ageInYears, DAY_MS, HOUR_MS } from '../../clinical/time';
import type { CalciumFinding, DatedResult, Indicator, Modifiers, RenalImpairment } from '../assessment';
import type { RuleConfig } from '../config';
import { certainlyBelow, latestWithin, raise, round } from './numbers';

/**
 * What about the patient changes the plan (renal function, symptoms, K, Ca, pregnancy, age and
 * weight, medications): read once from PatientFacts, used by every rule set.
 */

function assessRenal(facts: PatientFacts, config: RuleConfig, now: Date, ageYears: number | undefined): RenalImpairment | undefined {
  const window = config.renal.windowDays * DAY_MS;
  const found: RenalImpairment = { conditions: facts.conditions.renal, severity: 'impaired', severeConditions: facts.conditions.severeRenal };
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
  if (!impaired) return undefined;
  // R-RENAL-3: eGFR (reported or computed) below the severe limit, CKD 5, ESRD or dialysis.
  const severeEgfr =
    (found.egfr && certainlyBelow(found.egfr.result, config.renal.severeEgfrBelow)) ||
    (found.computedEgfr && found.computedEgfr.value < config.renal.severeEgfrBelow);
  if (severeEgfr || found.severeConditions.length > 0) found.severity = 'severe';
  return found;
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

/** R-TXT-1: the latest K, Ca, eGFR and creatinine within their windows, whatever their value. */
function checkedValues(facts: PatientFacts, config: RuleConfig, now: Date): Modifiers['checked'] {
  const checked: Modifiers['checked'] = {};
  const potassium = latestWithin(facts.labs.potassium, now, config.potassium.windowHours * HOUR_MS);
  if (potassium) checked.potassium = potassium;
  const window = config.calcium.windowHours * HOUR_MS;
  const calcium = latestWithin(facts.labs.calciumIonized, now, window) ?? latestWithin(facts.labs.calciumCorrected, now, window) ?? latestWithin(facts.labs.calciumTotal, now, window);
  if (calcium) checked.calcium = calcium;
  const renalWindow = config.renal.windowDays * DAY_MS;
  const egfr = latestWithin(facts.labs.egfr, now, renalWindow);
  if (egfr) checked.egfr = egfr;
  const creatinine = latestWithin(facts.labs.creatinine, now, renalWindow);
  if (creatinine) checked.creatinine = creatinine;
  return checked;
}

export function assessModifiers(facts: PatientFacts, config: RuleConfig, now: Date): Modifiers {
  const modifiers: Modifiers = { checked: checkedValues(facts, config, now) };
  const age = ageInYears(facts.birthDate, now);

  const qtc = latestWithin(facts.labs.qtc, now, config.symptoms.qtcWindowHours * HOUR_MS);
  const longQtc = qtc && qtc.result.comparator !== '<' && qtc.result.value > config.symptoms.qtcAboveMs ? qtc : undefined;
  if (facts.conditions.symptomatic.length > 0 || longQtc) {
    modifiers.symptomatic = { conditions: facts.conditions.symptomatic, torsadesOrArrest: facts.conditions.emergency.length > 0 };
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

  const recentWeight = latestWithin(facts.labs.weight, now, config.pediatric.weightWindowDays * DAY_MS);
  const weight = recentWeight && recentWeight.result.comparator === undefined && recentWeight.result.value > 0 ? recentWeight : undefined;
  if (weight) modifiers.weight = weight;
  const ageDetail = ageInDaysAndMonths(facts.birthDate, now);
  if (age === undefined || !ageDetail) modifiers.ageUnknown = true;
  else if (age < config.pediatric.adultFromYears) {
    modifiers.pediatric = {
      ageYears: age,
      ageDays: ageDetail.days,
      ageMonths: ageDetail.months,
      neonate: ageDetail.days < config.pediatric.neonateBelowDays,
      ...(weight ? { weight } : {}),
    };
  }

  if (facts.medications.depleting.length > 0) modifiers.depletingMedications = facts.medications.depleting;
  if (facts.medications.magnesium.length > 0) modifiers.magnesiumOrders = facts.medications.magnesium;
  const { digoxin, oralInteractions } = facts.medications;
  const { gi, cardiac } = facts.conditions;
  if (digoxin && digoxin.length > 0) modifiers.digoxin = digoxin;
  if (oralInteractions && oralInteractions.length > 0) modifiers.oralInteractions = oralInteractions;
  if (gi && gi.length > 0) modifiers.gi = gi;
  if (cardiac && cardiac.length > 0) modifiers.cardiac = cardiac;
  return modifiers;
}

/** Rule IDs the modifiers add (R-SYM-1 … R-MON-3, R-MON-4). */
export function modifierRuleIds(m: Modifiers): string[] {
  const ids: string[] = [];
  if (m.symptomatic) ids.push('R-SYM-1');
  if (m.renal) ids.push('R-RENAL-1');
  if (m.renal?.severity === 'severe') ids.push('R-RENAL-3');
  if (m.reducedRenalFunction) ids.push('R-RENAL-2');
  if (m.potassium) ids.push('R-LYTE-1');
  if (m.calcium) ids.push('R-LYTE-2');
  if (m.pregnancy) ids.push('R-PREG-1');
  if (m.pediatric) ids.push('R-PED-1');
  if (m.depletingMedications) ids.push('R-MED-1');
  if (m.magnesiumOrders?.some((o) => o.oral)) ids.push('R-MON-3');
  if (m.digoxin) ids.push('R-DIG-1');
  if (m.gi) ids.push('R-GI-1');
  return ids;
}

/** Renal impairment, low K, low Ca and a digoxin order (R-DIG-1) raise the indicator to warning. */
export function modifierIndicator(base: Indicator, m: Modifiers): Indicator {
  return m.renal || m.potassium || m.calcium || m.digoxin ? raise(base, 'warning') : base;
}
