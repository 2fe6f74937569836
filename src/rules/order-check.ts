import type { PatientFacts, MedicationFinding } from '../clinical/facts';
import type { MagnesiumOrder } from '../clinical/draft-orders';
import type { Indicator, MagnesiumReading, Modifiers } from './assessment';
import type { RuleConfig } from './config';
import { classifyMagnesium, reading } from './shared/magnesium-level';
import { assessModifiers } from './shared/modifiers';
import { ivLevelDose, type IvLevelDose, type IvLevelDoseResult } from './shared/iv-dose';
import { round } from './shared/numbers';

/**
 * The order checks (clinical-rules.md §9.2, R-OS-1 … R-OS-11): the patient's facts, the magnesium
 * drafts being selected or signed, the other drafts and the active magnesium orders + RuleConfig +
 * now → findings, one per rule and draft. Pure and deterministic; the tier, renal, paediatric and
 * pregnancy logic and the IV level dose are the shared ones (src/rules/shared) the patient-view
 * rules use. Cards only render what is decided here.
 */

/** What a suggestion would change in the draft (the cards build the corrected resource from it). */
export type Correction =
  /** Same dose, slower: at most 1 g/h (R-OS-1, R-OS-2). */
  | { kind: 'iv-rate'; grams: number; gramsPerHour: number; hours: number }
  /** A continuous infusion (rate, no dose) run at most at 1 g/h (R-OS-1, R-OS-2). */
  | { kind: 'iv-continuous-rate'; gramsPerHour: number }
  /** The renal or per-kg level dose (R-OS-5, R-OS-7). */
  | { kind: 'iv-dose'; dose: IvLevelDose }
  /** A child's dose capped at the per-kg maximum when no level dose applies (R-OS-7). */
  | { kind: 'iv-mg'; mg: number; hours: number }
  /** The usual oral dose with the draft's own tablet (R-OS-11). */
  | { kind: 'oral'; tabletsPerDose: number; dosesPerDay: number; mmolPerDay: number };

export type OrderFindingKind =
  | 'rate-above-ceiling'
  | 'rate-above-hourly'
  | 'rate-unreadable'
  | 'magnesium-normal'
  | 'magnesium-high'
  | 'no-recent-level'
  | 'renal-dose'
  | 'renal-48h'
  | 'duplicate'
  | 'child-dose-above-max'
  | 'child-no-weight'
  | 'neonate'
  | 'above-24h-max'
  | 'pregnancy-infusion'
  | 'oral-in-severe'
  | 'oral-above-range'
  | 'oral-below-range'
  /** R-OS-7 oral: no paediatric oral range in the rules; dose by paediatric formulary. */
  | 'child-oral-unchecked'
  | 'child-oral-above-adult-max'
  | 'dose-unreadable';

export interface OrderFinding {
  kind: OrderFindingKind;
  ruleIds: string[];
  indicator: Indicator;
  order: MagnesiumOrder;
  correction?: Correction;
  /** R-OS-10: the IV level dose to create beside the oral draft (or why none is given). */
  ivReplacement?: IvLevelDoseResult;
  /** R-OS-4: offer the serum magnesium recheck. */
  recheck?: boolean;
  /** Numbers the card quotes (all in the units named). */
  values?: {
    mgPerMinute?: number;
    gramsPerHour?: number;
    doseGrams?: number;
    limitGrams?: number;
    totalGrams?: number;
    periodHours?: number;
    mmolPerDay?: number;
    limitMmolPerDay?: number;
    mgPerKg?: number;
    maxMg?: number;
    days?: number;
    weightKg?: number;
  };
  /** R-OS-6: what the draft duplicates. */
  duplicateOf?: string;
  /** R-OS-3: depleting drugs that may justify maintenance. */
  depleting?: MedicationFinding[];
  /** R-OS-3 "do not give": a high level, or (antacids and laxatives) severe renal impairment. */
  doNotGiveBecause?: 'high-magnesium' | 'severe-renal';
  /** Why the dose, rate or frequency could not be read (R-OS-11). */
  problem?: string;
}

export interface OrderCheckInput {
  facts: PatientFacts;
  /** Every magnesium draft in draftOrders, in Bundle order. */
  drafts: MagnesiumOrder[];
  /** Positions (in draftOrders) of the drafts to check: the selections, or every draft for order-sign. */
  checked: Set<number>;
  active: MagnesiumOrder[];
}

export interface OrderCheckAssessment {
  findings: OrderFinding[];
  magnesium?: MagnesiumReading;
  modifiers: Modifiers;
  ruleIds: string[];
}

const EPS = 1e-9;
const grams = (o: MagnesiumOrder) => (o.dose.ok ? o.dose.saltMg / 1000 : 0);
const isIvSulfate = (o: MagnesiumOrder) => o.kind === 'replacement' && o.route === 'iv' && o.salt === 'sulfate' && (o.dose.ok || (o.continuous === true && o.rate !== undefined));

/** Grams an IV order gives within `hours`: doses × dose, or for a continuous infusion rate × the hours it runs. */
function ivGramsWithin(o: MagnesiumOrder, hours: 24 | 48): number {
  if (o.continuous && o.rate) return o.rate.gramsPerHour * Math.min(hours, o.treatmentDays !== undefined ? o.treatmentDays * 24 : hours);
  return grams(o) * ((hours === 24 ? o.dosesIn24h : o.dosesIn48h) ?? 1);
}

/** R-OS-1: recorded torsades/arrest, or (pre-)eclampsia among the pregnancy conditions. */
function emergencyIndication(m: Modifiers, config: RuleConfig): boolean {
  if (m.symptomatic?.torsadesOrArrest) return true;
  const { codes, text } = config.orderCheck.obstetricIndication;
  return (m.pregnancy ?? []).some(
    (c) =>
      (c.code !== undefined && codes.some((code) => (code.endsWith('*') ? c.code!.toUpperCase().replace('.', '').startsWith(code.slice(0, -1)) : c.code === code))) ||
      text.some((t) => c.display.toLowerCase().includes(t)),
  );
}

/** Total IV magnesium sulfate (grams) the orders give within a window of `hours` (24 or 48). */
function ivTotal(orders: MagnesiumOrder[], hours: 24 | 48): number {
  return round(
    orders.filter(isIvSulfate).reduce((sum, o) => sum + ivGramsWithin(o, hours), 0),
    3,
  );
}

/**
 * A corrected oral regimen with the draft's own tablet, within the configured bounds (whole tablets,
 * at most N per dose and M doses a day) and a daily amount in [low, high]: the fewest tablets per
 * dose, then the fewest doses (1 tablet twice daily for MgO 400 mg, R-ORAL-2); `most` first takes
 * the largest daily amount (renal limits). Undefined when none fits (e.g. a low-strength tablet).
 */
function oralRegimen(perTablet: number, low: number, high: number, prefer: 'fewest' | 'most', config: RuleConfig): Correction | undefined {
  const { maxTabletsPerDose, maxDosesPerDay } = config.orderCheck.oralCorrection;
  const fits: Array<{ t: number; d: number; mmol: number }> = [];
  for (let t = 1; t <= maxTabletsPerDose; t++) {
    for (let d = 1; d <= maxDosesPerDay; d++) {
      const mmol = perTablet * t * d;
      if (mmol >= low - EPS && mmol <= high + EPS) fits.push({ t, d, mmol });
    }
  }
  // Stable sort: the loops already order by tablets per dose, then doses per day.
  if (prefer === 'most') fits.sort((a, b) => b.mmol - a.mmol);
  const best = fits[0];
  return best ? { kind: 'oral', tabletsPerDose: best.t, dosesPerDay: best.d, mmolPerDay: round(best.mmol, 1) } : undefined;
}

export function assessOrders(input: OrderCheckInput, config: RuleConfig, now: Date): OrderCheckAssessment {
  const { facts, drafts, checked, active } = input;
  const m = assessModifiers(facts, config, now);
  const latest = facts.labs.magnesium.results[0];
  const mg = latest ? reading(latest, now, config) : undefined;
  const fresh = mg && mg.ageHours <= config.results.freshHours ? mg : undefined;
  const level = fresh ? classifyMagnesium(fresh.result, config) : undefined;
  const low = level?.kind === 'low' ? level : undefined;
  const emergency = emergencyIndication(m, config);
  const findings: OrderFinding[] = [];
  const add = (f: OrderFinding) => findings.push(f);
  const toCheck = drafts.filter((d) => checked.has(d.position));
  const allIv = [...drafts, ...active];
  const levelDose = low && fresh ? ivLevelDose({ mgDl: fresh.mgDl, tier: low.tier }, m, config) : undefined;

  for (const order of toCheck) {
    // R-OS-3 for antacids and laxatives: only "do not give" with high magnesium or severe renal impairment.
    if (order.kind === 'antacid-laxative') {
      if (level?.kind === 'high' || m.renal?.severity === 'severe') {
        const critical = level?.kind === 'high' && level.value >= config.magnesium.hyperWarningFromMgDl;
        const because = level?.kind === 'high' ? 'high-magnesium' : 'severe-renal';
        add({ kind: 'magnesium-high', ruleIds: ['R-OS-3', ...(because === 'severe-renal' ? ['R-RENAL-3'] : [])], indicator: critical ? 'critical' : 'warning', order, doNotGiveBecause: because });
      }
      continue;
    }

    // R-OS-3: normal or high magnesium.
    if (level?.kind === 'high') {
      add({ kind: 'magnesium-high', ruleIds: ['R-OS-3'], indicator: level.value >= config.magnesium.hyperWarningFromMgDl ? 'critical' : 'warning', order, doNotGiveBecause: 'high-magnesium' });
    } else if (level?.kind === 'normal' && !emergency) {
      add({
        kind: 'magnesium-normal',
        ruleIds: ['R-OS-3', ...(m.renal ? ['R-RENAL-1'] : [])],
        indicator: m.renal ? 'warning' : 'info',
        order,
        ...(m.depletingMedications ? { depleting: m.depletingMedications } : {}),
      });
    }
    // R-OS-4: no accepted serum magnesium in the freshness window.
    if (!fresh) add({ kind: 'no-recent-level', ruleIds: ['R-OS-4'], indicator: 'info', order, recheck: true });

    // R-OS-6: an active order of the same route, an earlier draft, or (order-select) an unselected draft.
    const duplicate =
      order.route !== 'unknown'
        ? active.find((a) => a.kind === 'replacement' && a.route === order.route) ??
          drafts.find((o) => o !== order && o.kind === 'replacement' && o.route === order.route && (o.position < order.position || !checked.has(o.position)))
        : undefined;
    if (duplicate) add({ kind: 'duplicate', ruleIds: ['R-OS-6', 'R-ORD-1'], indicator: 'warning', order, duplicateOf: `${duplicate.product}${duplicate.position < 0 ? ' (active order)' : ` (${duplicate.label})`}` });

    // R-OS-7: children (both routes for neonates and missing weight).
    const child = m.pediatric;
    if (child?.neonate) add({ kind: 'neonate', ruleIds: ['R-OS-7', 'R-PED-2'], indicator: 'warning', order });
    else if (child && !child.weight) add({ kind: 'child-no-weight', ruleIds: ['R-OS-7', 'R-PED-1'], indicator: 'warning', order });

    if (!order.dose.ok && !order.continuous) {
      add({ kind: 'dose-unreadable', ruleIds: ['R-OS-11'], indicator: 'info', order, problem: order.dose.problem });
      if (order.route === 'oral') checkOralSevere(order);
      continue;
    }
    if (order.route === 'iv') checkIv(order);
    else if (order.route === 'oral') checkOral(order);
  }

  // R-OS-8: one card for the request, about the last checked IV draft.
  const lastIv = [...toCheck].reverse().find(isIvSulfate);
  const total24 = ivTotal(allIv, 24);
  if (lastIv && total24 > config.iv.maxGramsPer24h + EPS) {
    add({ kind: 'above-24h-max', ruleIds: ['R-OS-8', 'R-IV-3'], indicator: 'critical', order: lastIv, values: { totalGrams: total24, limitGrams: config.iv.maxGramsPer24h, periodHours: 24 } });
  }

  function checkIv(order: MagnesiumOrder) {
    if (order.salt !== 'sulfate') return; // rates and caps are defined for magnesium sulfate
    const doseGrams = grams(order);
    const slower = (): Correction => {
      const gramsPerHour = config.iv.maxGramsPerHour;
      if (order.continuous) return { kind: 'iv-continuous-rate', gramsPerHour };
      return { kind: 'iv-rate', grams: doseGrams, gramsPerHour, hours: round(doseGrams / gramsPerHour, 3) };
    };
    if (order.rate) {
      const { mgPerMinute, gramsPerHour } = order.rate;
      if (mgPerMinute > config.iv.maxMgPerMinute + EPS && !emergency) {
        add({ kind: 'rate-above-ceiling', ruleIds: ['R-OS-1'], indicator: 'critical', order, correction: slower(), values: { mgPerMinute: round(mgPerMinute, 1), gramsPerHour: round(gramsPerHour, 2), doseGrams } });
      } else if (gramsPerHour > config.iv.maxGramsPerHour + EPS && !emergency && !m.symptomatic) {
        // Symptomatic patients may get the R-SYM-1 bolus (2 g over 15 min): not "faster than needed".
        add({ kind: 'rate-above-hourly', ruleIds: ['R-OS-2', 'R-IV-2'], indicator: 'info', order, correction: slower(), values: { mgPerMinute: round(mgPerMinute, 1), gramsPerHour: round(gramsPerHour, 2), doseGrams } });
      }
    } else if (!emergency) {
      add({ kind: 'rate-unreadable', ruleIds: ['R-OS-1'], indicator: 'info', order, correction: slower(), problem: order.rateProblem ?? 'rate not stated', values: { doseGrams } });
    }

    // R-OS-7: a child's dose above the per-kg maximum (50 mg/kg, at most 2 g).
    const weight = m.pediatric && !m.pediatric.neonate && !order.continuous ? m.pediatric.weight?.result.value : undefined;
    const p = config.pediatric;
    const maxMg = weight !== undefined ? Math.min(p.ivMgPerKgHigh * weight, p.ivMaxGramsPerDose * 1000) : undefined;
    const aboveChildMax = maxMg !== undefined && doseGrams * 1000 > maxMg + EPS;

    // R-OS-5: renal impairment (R-RENAL-1/3, at any age): above the renal level dose, or more than
    // the 48 h cap. A child above the per-kg maximum gets that card, whose update is the renal dose.
    if (m.renal && !m.pediatric?.neonate && !aboveChildMax) {
      const renalIds = ['R-OS-5', m.renal.severity === 'severe' ? 'R-RENAL-3' : 'R-RENAL-1'];
      if (levelDose?.kind === 'dose' && !order.continuous && doseGrams > levelDose.grams + EPS) {
        add({ kind: 'renal-dose', ruleIds: renalIds, indicator: 'warning', order, correction: { kind: 'iv-dose', dose: levelDose }, values: { doseGrams, limitGrams: levelDose.grams } });
      } else {
        const total48 = ivTotal(allIv, 48);
        const cap = config.renal.maxMagnesiumSulfateGramsPer48h;
        if (total48 > cap + EPS) add({ kind: 'renal-48h', ruleIds: renalIds, indicator: 'warning', order, values: { totalGrams: total48, limitGrams: cap, periodHours: 48 } });
      }
    }

    if (aboveChildMax) {
      const capped = Math.floor(maxMg / p.doseRoundMg) * p.doseRoundMg;
      const correction: Correction =
        levelDose?.kind === 'dose' ? { kind: 'iv-dose', dose: levelDose } : { kind: 'iv-mg', mg: capped, hours: Math.max(p.ivInfusionHoursMin, capped / 1000 / config.iv.maxGramsPerHour) };
      add({ kind: 'child-dose-above-max', ruleIds: ['R-OS-7', 'R-PED-1'], indicator: 'critical', order, correction, values: { doseGrams, mgPerKg: p.ivMgPerKgHigh, maxMg: round(maxMg, 0) } });
    }

    // R-OS-9: pregnancy and IV magnesium running longer than 5 days.
    const days = order.treatmentDays;
    if (m.pregnancy && days !== undefined && days > config.orderCheck.pregnancyMaxInfusionDays + EPS) {
      add({ kind: 'pregnancy-infusion', ruleIds: ['R-OS-9', 'R-PREG-1'], indicator: 'warning', order, values: { days: round(days, 1) } });
    }
  }

  /** R-OS-10: oral-only magnesium while the level is severe or the patient is symptomatic. */
  function checkOralSevere(order: MagnesiumOrder) {
    const severe = low?.tier === 'severe';
    if (!severe && !m.symptomatic) return;
    const hasIv = [...drafts, ...active].some((o) => o.kind === 'replacement' && o.route === 'iv');
    if (hasIv) return; // an IV order is already drafted or active: not oral-only
    add({
      kind: 'oral-in-severe',
      ruleIds: ['R-OS-10', ...(m.symptomatic ? ['R-SYM-1'] : []), 'R-IV-2'],
      indicator: 'critical',
      order,
      ...(levelDose ? { ivReplacement: levelDose } : {}),
    });
  }

  function checkOral(order: MagnesiumOrder) {
    checkOralSevere(order);
    if (m.pediatric?.neonate) return; // specialist review (R-PED-2): no automatic check
    if (!order.dose.ok) return;
    if (order.dosesPerDay === undefined) {
      add({ kind: 'dose-unreadable', ruleIds: ['R-OS-11'], indicator: 'info', order, problem: order.frequencyProblem ?? 'no frequency stated' });
      return;
    }
    const mmolPerDay = round(order.dose.mmol * order.dosesPerDay, 1);
    const { dailyMmolLow, dailyMmolHigh } = config.oral;
    const tablets = order.dose.tablets;
    const child = m.pediatric;
    if (m.renal) {
      // R-OS-5 (oral): at most half the usual upper daily dose, in whole tablets (R-RENAL-1/3), at any
      // age; a child's renal dose is not computed (no paediatric oral range), only the excess named.
      const limit = round(dailyMmolHigh * config.renal.doseFraction, 1);
      if (mmolPerDay > limit + EPS || m.renal.severity === 'severe') {
        const perTablet = tablets && !child ? order.dose.mmol / tablets.count : undefined;
        const correction = perTablet && m.renal.severity !== 'severe' ? oralRegimen(perTablet, 0, limit, 'most', config) : undefined;
        add({
          kind: 'renal-dose',
          ruleIds: ['R-OS-5', m.renal.severity === 'severe' ? 'R-RENAL-3' : 'R-RENAL-1'],
          indicator: 'warning',
          order,
          ...(correction ? { correction } : {}),
          values: { mmolPerDay, limitMmolPerDay: limit },
        });
        return;
      }
      if (!child) return; // the usual range (R-OS-11) is not the target in renal impairment
    }
    if (child) {
      // R-OS-7 oral: the rules give no paediatric oral range (dose by formulary); no child needs
      // more than the adult upper dose (R-ORAL-2). Without a weight the no-weight card says it all.
      if (!child.weight) return;
      const weightKg = child.weight.result.value;
      if (mmolPerDay > dailyMmolHigh + EPS) {
        add({ kind: 'child-oral-above-adult-max', ruleIds: ['R-OS-7', 'R-ORAL-2'], indicator: 'warning', order, values: { mmolPerDay, limitMmolPerDay: dailyMmolHigh, weightKg } });
      } else {
        add({ kind: 'child-oral-unchecked', ruleIds: ['R-OS-7'], indicator: 'info', order, values: { mmolPerDay, weightKg } });
      }
      return;
    }
    if (mmolPerDay <= dailyMmolHigh + EPS && mmolPerDay >= dailyMmolLow - EPS) return;
    const above = mmolPerDay > dailyMmolHigh;
    // A normal level (R-OS-3 card) needs no replacement: never suggest raising the dose. A high
    // one is "do not give": no usual dose is suggested either way.
    if (level?.kind === 'high' || (!above && level?.kind === 'normal')) return;
    let correction: Correction | undefined;
    if (tablets) correction = oralRegimen(order.dose.mmol / tablets.count, dailyMmolLow, dailyMmolHigh, 'fewest', config);
    add({
      kind: above ? 'oral-above-range' : 'oral-below-range',
      ruleIds: ['R-OS-11', 'R-ORAL-2'],
      indicator: above ? 'warning' : 'info',
      order,
      ...(correction ? { correction } : {}),
      values: { mmolPerDay },
    });
  }

  const ruleIds = [...new Set(findings.flatMap((f) => f.ruleIds))];
  return { findings, ...(mg ? { magnesium: mg } : {}), modifiers: m, ruleIds };
}
