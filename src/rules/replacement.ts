import type { PatientFacts, SkippedResult } from '../clinical/facts';
import { DAY_MS, HOUR_MS } from '../clinical/time';
import type { Analyte } from '../clinical/codes';
import type {
  Assessment,
  DosePlan,
  FollowUp,
  Indicator,
  IvDose,
  MagnesiumReading,
  Modifiers,
  Notices,
  OralDose,
  ReplacementAssessment,
  Tier,
  WithheldReason,
} from './assessment';
import type { RuleConfig } from './config';
import { ageHours, certainlyBelow, latestWithin, raise, round } from './shared/numbers';
import { classifyMagnesium, reading } from './shared/magnesium-level';
import { assessModifiers, modifierIndicator, modifierRuleIds } from './shared/modifiers';
import { ivLevelDose } from './shared/iv-dose';

/**
 * The patient-view replacement rule set (clinical-rules.md §3-§4 with the §9.1 changes of rule set
 * 2026.12-2): PatientFacts + RuleConfig + now → Assessment. Pure and deterministic: no I/O, no
 * clock, no randomness. Order of precedence: data rules → level tier → symptoms → modifiers (never
 * lower the indicator) → existing orders and administrations (they turn a dose into a recheck).
 */

export { classifyMagnesium };

// ------------------------------------------------------------------ doses

/** R-ORAL-2: twice daily within the usual range, a course and a quantity; R-RENAL-1: fewer doses, never half tablets. */
function oralDose(tier: Tier, m: Modifiers, config: RuleConfig): OralDose {
  if (m.pediatric) return { route: 'oral', renalAdjusted: false };
  const regimen = tier === 'mild' ? config.oral.mild : tier === 'moderate' ? config.oral.moderate : config.oral.maintenanceAfterIv;
  const renal = m.renal !== undefined && config.renal.doseFraction < 1;
  const dosesPerDay = renal ? Math.max(1, Math.floor(regimen.dosesPerDay * config.renal.doseFraction)) : regimen.dosesPerDay;
  const tabletsPerDose = Math.max(1, Math.round(regimen.tabletsPerDose));
  const durationDays = config.oral.durationDays;
  return {
    route: 'oral',
    tabletsPerDose,
    dosesPerDay,
    mmolPerDay: round(tabletsPerDose * dosesPerDay * config.oral.product.mmolMagnesiumPerTablet, 1),
    durationDays,
    quantity: tabletsPerDose * dosesPerDay * durationDays,
    renalAdjusted: renal && dosesPerDay < regimen.dosesPerDay,
  };
}

function ivFollowUp(hours: number, urgent: boolean, config: RuleConfig): FollowUp {
  return { tests: ['magnesium', 'potassium', 'calcium'], afterHours: hours, windowHours: config.monitoring.ivRecheckWindowHours, priority: urgent ? 'urgent' : 'routine' };
}

function oralFollowUp(m: Modifiers, config: RuleConfig): FollowUp {
  const days = m.renal ? Math.min(config.renal.oralRecheckDays, config.monitoring.oralRecheckDays) : config.monitoring.oralRecheckDays;
  return { tests: ['magnesium'], afterHours: days * 24, windowHours: config.monitoring.oralRecheckWindowDays * 24, priority: 'routine' };
}

/** A recheck "now" (before dosing, or after a dose already ordered or given). */
export function recheckNow(tests: FollowUp['tests'], urgent: boolean, config: RuleConfig): FollowUp {
  return { tests, afterHours: 0, windowHours: config.monitoring.nowWindowHours, priority: urgent ? 'urgent' : 'routine' };
}

interface PlanOutcome {
  plan?: DosePlan;
  withheldReason?: WithheldReason;
}

function dosePlan(magnesium: MagnesiumReading, tier: Tier, m: Modifiers, config: RuleConfig): PlanOutcome {
  const needsIv = tier === 'severe' || m.symptomatic !== undefined;
  const severeRenal = m.renal?.severity === 'severe';
  const oralOrders = m.magnesiumOrders?.filter((o) => o.oral) ?? [];
  const ivOrders = m.magnesiumOrders?.filter((o) => !o.oral) ?? [];

  // R-ORD-1: never a second draft of the same route.
  if (ivOrders.length > 0) return { withheldReason: 'iv-order-exists' };
  if (oralOrders.length > 0 && !needsIv) return { withheldReason: 'oral-order-exists' };

  const level = ivLevelDose({ mgDl: magnesium.mgDl, tier }, m, config);
  if (level.kind === 'withheld') return { withheldReason: level.reason };
  const iv: IvDose = { route: 'iv', level, replacesOralOrder: oralOrders.length > 0 };
  const ivUp = ivFollowUp(level.recheckHours, needsIv, config);

  // R-ALT-1 (severe/symptomatic), R-RENAL-3 (no oral draft), R-GI-1 (no oxide): IV is the only draft.
  if (needsIv || severeRenal || m.gi) {
    return {
      plan: {
        recommended: 'iv',
        doses: [iv],
        followUp: { iv: ivUp, oral: oralFollowUp(m, config) },
        // Oral maintenance after IV is a line of text, for adults without renal impairment or GI losses.
        oralMaintenanceText: needsIv && !m.renal && !m.gi && !m.pediatric,
      },
    };
  }
  return {
    plan: {
      recommended: 'oral',
      doses: [oralDose(tier, m, config), iv],
      followUp: { iv: ivUp, oral: oralFollowUp(m, config) },
      oralMaintenanceText: false,
    },
  };
}

// ------------------------------------------------------------------ the rule set

const isUnreadable = (s: SkippedResult) => s.reason !== 'status' && s.reason !== 'future-date';

/** R-LYTE-3: low K and no accepted serum magnesium drawn in the last 24 h. */
function potassiumWithoutMagnesium(facts: PatientFacts, config: RuleConfig, now: Date, previous: MagnesiumReading | undefined, base: { ruleIds: string[]; notices: Notices }): Assessment | undefined {
  const potassium = latestWithin(facts.labs.potassium, now, config.potassium.windowHours * HOUR_MS);
  if (!potassium || !certainlyBelow(potassium.result, config.potassium.lowBelowMmolL)) return undefined;
  if (previous && previous.ageHours <= config.potassium.recentMagnesiumHours) return undefined;
  return {
    kind: 'potassium-without-magnesium',
    potassium,
    ...(previous ? { previous } : {}),
    recheck: recheckNow(['magnesium'], false, config),
    notices: base.notices,
    indicator: 'info',
    ruleIds: [...base.ruleIds, 'R-LYTE-3'],
  };
}

export function assessHypomagnesemia(facts: PatientFacts, config: RuleConfig, now: Date): Assessment {
  const lookbackMs = config.results.lookbackDays * DAY_MS;
  const within = (d: Date | undefined) => d !== undefined && now.getTime() - d.getTime() <= lookbackMs;
  const mg = facts.labs.magnesium;
  const used = mg.results.find((r) => within(r.effective));
  const newerSkipped = mg.skipped.filter(
    (s) => s.reason !== 'future-date' && within(s.effective) && (!used || s.effective!.getTime() > used.effective.getTime()),
  );
  // R-DATA-9: results dated beyond the tolerance are never used, and never silently dropped.
  const future = mg.skipped.filter((s) => s.reason === 'future-date');
  const notices: Notices = {
    ...(future.length > 0 ? { future } : {}),
    ...(used && mg.sameInstant && mg.sameInstant.length > 0 && config.results.sameInstantNote ? { sameInstant: mg.sameInstant } : {}),
  };
  const ruleIds: string[] = [];
  if (mg.found > 1) ruleIds.push('R-DATA-1');
  if (newerSkipped.some((s) => s.reason === 'status')) ruleIds.push('R-DATA-2');
  if (future.length > 0) ruleIds.push('R-DATA-9');
  if (notices.sameInstant) ruleIds.push('R-DATA-8');
  // An accepted result without a usable date cannot be placed in time: it may be the latest.
  const undated = mg.skipped.find((s) => s.reason === 'no-date');
  const unreadableNewer = newerSkipped.find(isUnreadable) ?? undated;

  // R-DATA-6: nothing usable, and the newest verified result could not be read.
  if (!used) {
    if (unreadableNewer) {
      return {
        kind: 'uninterpretable',
        skipped: unreadableNewer,
        ...(unreadableNewer.effective ? { ageHours: ageHours({ effective: unreadableNewer.effective }, now) } : {}),
        indicator: 'info',
        notices,
        ruleIds: [...ruleIds, 'R-DATA-6'],
      };
    }
    if (future.length > 0) return { kind: 'future-result', future, indicator: 'info', ruleIds };
    const lyte = potassiumWithoutMagnesium(facts, config, now, undefined, { ruleIds, notices });
    if (lyte) return lyte;
    const onlyUnverified = newerSkipped.length > 0;
    return { kind: 'none', reason: onlyUnverified ? 'only-unverified-results' : 'no-result', indicator: 'info', ruleIds: [...ruleIds, onlyUnverified ? 'R-DATA-2' : 'R-DATA-4'].filter((v, i, a) => a.indexOf(v) === i) };
  }

  if (unreadableNewer) ruleIds.push('R-DATA-6');
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
      notices,
      ruleIds: [...ruleIds, 'R-DATA-5', 'R-DATA-6'],
    };
  }

  // The latest result could not be read but an older one is normal or high: say so, never stay silent.
  if (unreadableNewer && cls.kind !== 'low') {
    return {
      kind: 'uninterpretable',
      skipped: unreadableNewer,
      ...(unreadableNewer.effective ? { ageHours: ageHours({ effective: unreadableNewer.effective }, now) } : {}),
      previous: magnesium,
      indicator: 'info',
      notices,
      ruleIds,
    };
  }

  const modifiers = assessModifiers(facts, config, now);

  if (cls.kind === 'normal') {
    const m = config.magnesium;
    // R-CARD-1: cardiac risk and magnesium below the cardiac target.
    const cardiacRisk = modifiers.cardiac || modifiers.digoxin;
    if (config.cardiac.enabled && fresh && cardiacRisk && magnesium.mgDl >= m.lowBelowMgDl && magnesium.mgDl < config.cardiac.targetMgDl && !modifiers.magnesiumOrders) {
      const planned = dosePlan(magnesium, 'mild', modifiers, config);
      if (planned.plan) {
        return {
          kind: 'cardiac-target',
          magnesium,
          modifiers,
          plan: planned.plan,
          notices,
          indicator: 'info',
          ruleIds: [...ruleIds, 'R-CARD-1', ...modifierRuleIds(modifiers).filter((id) => id === 'R-DIG-1' || id === 'R-RENAL-1' || id === 'R-RENAL-3' || id === 'R-GI-1')],
        };
      }
    }
    const lyte = potassiumWithoutMagnesium(facts, config, now, magnesium, { ruleIds, notices });
    if (lyte) return lyte;
    if (future.length > 0) return { kind: 'future-result', future, previous: magnesium, indicator: 'info', ruleIds };
    return { kind: 'none', reason: 'normal', indicator: 'info', ruleIds: [...ruleIds, 'R-CLS-1'] };
  }

  if (cls.kind === 'high') {
    if (!fresh) {
      if (future.length > 0) return { kind: 'future-result', future, previous: magnesium, indicator: 'info', ruleIds };
      return { kind: 'none', reason: 'normal', indicator: 'info', ruleIds: [...ruleIds, 'R-DATA-3'] };
    }
    const m = config.magnesium;
    const level = cls.value >= m.hyperCriticalFromMgDl ? 'severe-toxicity' : cls.value >= m.hyperWarningFromMgDl ? 'toxic-risk' : 'above-range';
    let indicator: Indicator = level === 'severe-toxicity' ? 'critical' : level === 'toxic-risk' ? 'warning' : 'info';
    if (modifiers.renal) indicator = raise(indicator, 'warning');
    return {
      kind: 'hyper',
      level,
      magnesium,
      indicator,
      notices,
      ruleIds: [...ruleIds, 'R-HYPER-1', 'R-HYPER-2', ...(modifiers.renal ? ['R-RENAL-1'] : []), ...(modifiers.renal?.severity === 'severe' ? ['R-RENAL-3'] : [])],
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
    const recheck = recheckNow(['magnesium', 'potassium', 'calcium', 'creatinine'], tier === 'severe' || modifiers.symptomatic !== undefined, config);
    if (modifiers.symptomatic) recheck.priority = 'stat';
    return {
      kind: 'stale',
      tier,
      magnesium,
      modifiers,
      recheck,
      indicator,
      ignoredNewer: newerSkipped,
      notices,
      ruleIds: [...ruleIds, tierRule, 'R-DATA-3', ...modifierRuleIds(modifiers)],
    };
  }

  let indicator: Indicator = tier === 'mild' ? 'info' : tier === 'moderate' ? 'warning' : 'critical';
  if (modifiers.symptomatic) indicator = 'critical';
  indicator = modifierIndicator(indicator, modifiers);

  // R-ORD-2: IV magnesium given in the window: a result drawn before it asks for a recheck, not a dose.
  const windowMs = config.administrations.windowHours * HOUR_MS;
  const given = (facts.administrations ?? []).find((a) => now.getTime() - a.effective.getTime() <= windowMs && a.started.getTime() <= now.getTime());
  const administration = given ? { given, resultBefore: used.effective.getTime() < given.effective.getTime() } : undefined;

  const outcome: PlanOutcome = administration?.resultBefore ? { withheldReason: 'given-before-result' } : dosePlan(magnesium, tier, modifiers, config);
  const urgent = tier === 'severe' || modifiers.symptomatic !== undefined;
  const recheck = outcome.plan ? undefined : recheckNow(['magnesium', 'potassium', 'calcium'], urgent, config);
  const ids = [...ruleIds, tierRule, ...modifierRuleIds(modifiers)];
  if (outcome.plan) {
    ids.push(outcome.plan.recommended === 'iv' ? 'R-MON-1' : 'R-MON-2', 'R-IV-2', 'R-IV-3');
    if (outcome.plan.doses.some((d) => d.route === 'oral')) ids.push('R-ORAL-2');
    if (tier === 'severe' || modifiers.symptomatic) ids.push('R-ALT-1');
    if (modifiers.renal) ids.push('R-MON-4');
    if (modifiers.pediatric) ids.push('R-PED-2');
  }
  if (outcome.withheldReason === 'neonate') ids.push('R-PED-2');
  if (outcome.withheldReason === 'age-unknown-without-weight' || (modifiers.ageUnknown && outcome.plan)) ids.push('R-PED-3');
  if (outcome.withheldReason === 'iv-order-exists' || outcome.withheldReason === 'oral-order-exists' || (outcome.plan?.doses.some((d) => d.route === 'iv' && d.replacesOralOrder))) ids.push('R-ORD-1');
  if (administration) ids.push('R-ORD-2');
  if (modifiers.oralInteractions && outcome.plan?.doses.some((d) => d.route === 'oral')) ids.push('R-ORAL-2');

  const assessment: ReplacementAssessment = {
    kind: 'replacement',
    tier,
    magnesium,
    modifiers,
    ...(outcome.plan ? { plan: outcome.plan } : {}),
    ...(outcome.withheldReason ? { withheldReason: outcome.withheldReason } : {}),
    ...(recheck ? { recheck } : {}),
    ...(administration ? { administration } : {}),
    indicator,
    ignoredNewer: newerSkipped,
    notices,
    ruleIds: [...new Set(ids)],
  };
  return assessment;
}
