import type { PatientFacts, SkippedResult } from '../clinical/facts';
import { DAY_MS } from '../clinical/time';
import type { Analyte } from '../clinical/codes';
import type { Assessment, DosePlan, FollowUp, Indicator, IvDose, Modifiers, OralDose, Tier } from './assessment';
import type { RuleConfig } from './config';
import { ageHours, raise, round } from './shared/numbers';
import { classifyMagnesium, reading } from './shared/magnesium-level';
import { assessModifiers, modifierIndicator, modifierRuleIds } from './shared/modifiers';

/**
 * The patient-view replacement rule set (clinical-rules.md §3-§4): PatientFacts + RuleConfig + now →
 * Assessment. Pure and deterministic: no I/O, no clock, no randomness.
 * Order of precedence: data rules → level tier → symptoms → modifiers (never lower the indicator).
 */

export { classifyMagnesium };

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
