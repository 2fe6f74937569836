import type { Card, Suggestion } from '../cds/schemas';
import type {
  Assessment,
  CardiacTargetAssessment,
  DatedResult,
  DosePlan,
  FollowUp,
  FutureOnlyAssessment,
  HyperAssessment,
  IvDose,
  LabTest,
  MagnesiumReading,
  Modifiers,
  Notices,
  OralDose,
  PotassiumAssessment,
  ReplacementAssessment,
  StaleAssessment,
  Tier,
  UninterpretableAssessment,
} from '../rules/assessment';
import type { RuleConfig } from '../rules/config';
import { premixedBagFor } from '../rules/shared/iv-dose';
import type { ConditionFinding, MedicationFinding, SkippedResult } from '../clinical/facts';
import { age, canonical, capital, fitSummaryLength, list, md, num, prose, reported, SUMMARY_MAX, valueWithConversion, whenIn } from './format';
import { amountText, bolusText, maxDoseText, HYPOMAGNESEMIA_REASON, ivDoseText, ivMedicationRequest, labServiceRequest, oralDoseText, oralMedicationRequest, type OrderContext } from './orders';
import { HYPERMAGNESEMIA, HYPOKALEMIA, HYPOMAGNESEMIA, NON_ADHERENCE_REASONS } from '../clinical/codes';
import { newUuid } from './card-uuid';

/**
 * Assessment → CDS Hooks cards (rule set 2026.12-2, R-TXT-1). Wording only: every number comes
 * from the assessment or the rule configuration. Words that claim a finding (low potassium, renal
 * impairment, pregnancy, stale result, per-kg dose) appear only when the rules found it.
 * Detail: one headline line, then what changes the plan, then the plan (at most 4 bullets) and the
 * follow-up, then the evidence. Rule IDs and the rule-set version travel in the card's extension.
 */

export interface CardContext extends OrderContext {
  config: RuleConfig;
  /** Prefetch keys whose data could not be obtained; the card says what was not checked. */
  unavailable?: string[];
  uuid?: () => string;
}

const NOT_CHECKED: Record<string, (config: RuleConfig) => string> = {
  conditions: () => 'active conditions could not be obtained from the EHR, so symptoms, dialysis or CKD stage and pregnancy were not checked',
  medications: () => 'active medication orders could not be obtained from the EHR, so medication causes and existing magnesium orders were not checked',
  administrations: (config) => `magnesium administrations could not be obtained from the EHR, so a dose given in the last ${config.administrations.windowHours} h was not checked`,
};

const TREAT_THE_CAUSE = 'Treat the cause';

/** R-TXT-1: over the detail budget, the general "treat the cause" bullet is the first line to go. */
function withinBudget(lines: string[], config: RuleConfig): string {
  const detail = lines.join('\n');
  if (detail.length <= config.display.detailMaxChars) return detail;
  return lines.filter((l) => !l.startsWith(`- ${TREAT_THE_CAUSE}`)).join('\n');
}

function notCheckedNotes(ctx: CardContext, dosing: boolean): string[] {
  return (ctx.unavailable ?? [])
    .filter((key) => NOT_CHECKED[key] && (key !== 'administrations' || dosing))
    .map((key) => `> **Not checked**: ${NOT_CHECKED[key]!(ctx.config)}.`);
}

/** R-ORD-2 fired when its "administrations were not checked" note is on a dosing card. */
function withNotCheckedRules(ruleIds: string[], ctx: CardContext, dosing: boolean): string[] {
  return dosing && (ctx.unavailable ?? []).includes('administrations') ? [...ruleIds, 'R-ORD-2'] : ruleIds;
}

const EXTENSION_KEY = 'org.magnesium-cds.assessment';

/** R-OVR-1: the CDS Hooks suggested codes where one fits; own codes only for the rest. */
const OWN_OVERRIDE_SYSTEM = 'urn:magnesium-cds:override-reason';
export const overrideReasons = [
  { system: NON_ADHERENCE_REASONS, code: 'indication-order-exists', display: 'Magnesium replacement already ordered' },
  { system: NON_ADHERENCE_REASONS, code: 'action-completed', display: 'Magnesium already given or repeat level already ordered' },
  { system: NON_ADHERENCE_REASONS, code: 'patient-contraindication', display: 'Contraindicated for this patient' },
  { system: NON_ADHERENCE_REASONS, code: 'risk-benefit-ratio', display: 'Risk outweighs benefit for this patient' },
  { system: NON_ADHERENCE_REASONS, code: 'need-more-info', display: 'Need more information (repeat level, renal function)' },
  { system: OWN_OVERRIDE_SYSTEM, code: 'goals-of-care', display: 'Not in line with goals of care' },
];

const SKIP_REASON_SHORT: Record<SkippedResult['reason'], string> = {
  status: 'not verified',
  'unit-missing': 'unit missing',
  'unit-unknown': 'unit not recognised',
  'value-missing': 'no value',
  'value-not-numeric': 'value cannot be classified',
  implausible: 'implausible value',
  'no-date': 'no usable date',
  'future-date': 'dated in the future',
};

const TEST_NAMES: Record<LabTest, string> = {
  magnesium: 'magnesium',
  potassium: 'potassium',
  calcium: 'calcium',
  creatinine: 'creatinine',
};

function source(topic: { system: string; code: string; display: string } = HYPOMAGNESEMIA): Card['source'] {
  return { label: 'Magnesium CDS', topic: { ...topic } };
}

/** Drops optional summary parts, last first, until the summary fits in 139 characters. */
function fitSummary(parts: string[], optional: string[]): string {
  let text = parts.join('') + optional.join('');
  for (let keep = optional.length - 1; text.length > SUMMARY_MAX && keep >= 0; keep -= 1) {
    text = parts.join('') + optional.slice(0, keep).join('');
  }
  return fitSummaryLength(text);
}

function extension(config: RuleConfig, ruleIds: string[], data: Record<string, string | boolean>): Record<string, unknown> {
  return { [EXTENSION_KEY]: { ...data, ruleSet: config.version, ruleIds: [...new Set(ruleIds)] } };
}

const at = (d: { effective: Date; offset?: string }, config: RuleConfig) => whenIn(d.effective, config.display.timeZone, d.offset);

/** A value as the clinician reads it: "0.55 mmol/L (1.34 mg/dL)", eGFR in its display unit. Times are in the evidence table. */
function dated(d: DatedResult, _config: RuleConfig, decimals = 2): string {
  return d.result.analyte === 'egfr' ? canonical(d.result, decimals) : valueWithConversion(d.result, decimals);
}

function evidenceTable(rows: Array<{ label: string; d: DatedResult; decimals?: number }>, config: RuleConfig): string {
  const lines = ['| Result | Reported | Used as | Drawn |', '|---|---|---|---|'];
  for (const { label, d, decimals } of rows) {
    lines.push(`| ${label} | ${md(reported(d.result))} | ${md(canonical(d.result, decimals))} | ${at(d.result, config)}, ${age(d.ageHours)} |`);
  }
  return lines.join('\n');
}

function ignoredNotes(ignored: SkippedResult[], config: RuleConfig): string[] {
  return ignored.map((s) => {
    const time = s.effective ? ` (${whenIn(s.effective, config.display.timeZone)})` : '';
    return s.reason === 'status'
      ? `> A later magnesium result${time} was not used: ${md(s.detail)}.`
      : `> A later magnesium result${time} could not be read (${md(s.detail)}); verify it in the lab system.`;
  });
}

/** R-DATA-8, R-DATA-9 lines. */
function noticeLines(n: Notices, config: RuleConfig): string[] {
  const lines: string[] = [];
  for (const other of n.sameInstant ?? []) lines.push(`> Another magnesium result at the same time read ${md(valueWithConversion(other))}; the later-issued (or lower) value is used.`);
  for (const f of n.future ?? []) {
    lines.push(`> A magnesium result dated in the future (${f.effective ? whenIn(f.effective, config.display.timeZone) : 'unknown time'}) was not used: check the lab system's clock.`);
  }
  return lines;
}

/** "Pregnancy" rather than "Pregnancy (Pregnancy)": a label repeats no display equal to it (R-TXT-1). */
function labelled(label: string, findings: ConditionFinding[] | MedicationFinding[]): string {
  const names = findings.map((f) => f.display).filter((d) => d.trim().toLowerCase() !== label.toLowerCase());
  return names.length > 0 ? `**${label}** (${list(names.map((n) => md(prose(n))), 3)})` : `**${label}**`;
}

/** "3 years", "5 months", "12 days" (R-PED-2). */
function ageText(p: NonNullable<Modifiers['pediatric']>, config: RuleConfig): string {
  if (p.ageDays < 31 && p.ageMonths < 1) return `${p.ageDays} day${p.ageDays === 1 ? '' : 's'}`;
  if (p.ageYears < config.pediatric.ageInMonthsBelowYears) return `${p.ageMonths} month${p.ageMonths === 1 ? '' : 's'}`;
  return `${p.ageYears} years`;
}

function renalWhy(m: Modifiers, config: RuleConfig): string {
  const r = m.renal!;
  return list([
    ...(r.egfr ? [`eGFR ${dated(r.egfr, config, 0)}`] : []),
    ...(r.computedEgfr ? [`eGFR ≈ ${num(r.computedEgfr.value, 0)} computed (CKD-EPI 2021) from creatinine ${valueWithConversion(r.computedEgfr.creatinine.result)}`] : []),
    ...(r.creatinine && !r.computedEgfr ? [`creatinine ${dated(r.creatinine, config)}`] : []),
    ...r.conditions.map((c) => md(c.display)),
  ], 3);
}

/** What changes the plan (R-TXT-1 order: renal, K, Ca, existing orders, pregnancy, digoxin, then the rest). */
function modifierLines(m: Modifiers, config: RuleConfig, a: { dosing: boolean; plan?: DosePlan; tier?: Tier }): string[] {
  const lines: string[] = [];
  if (m.symptomatic) {
    const why = [...m.symptomatic.conditions.map((c) => md(c.display)), ...(m.symptomatic.qtc ? [`QTc ${num(m.symptomatic.qtc.result.value, 0)} ms`] : [])];
    lines.push(
      a.dosing
        ? `**Symptomatic / high-risk** (${list(why, 3)}): give magnesium IV whatever the level, with continuous ECG monitoring.`
        : `**Symptomatic / high-risk** (${list(why, 3)}): recheck magnesium now (stat) and monitor the ECG; in torsades de pointes or arrest magnesium is given whatever the level.`,
    );
  }
  if (m.renal) {
    const pct = Math.round(config.renal.doseFraction * 100);
    const severe = m.renal.severity === 'severe';
    lines.push(
      `**${severe ? 'Severe renal impairment' : 'Renal impairment'}** (${renalWhy(m, config)}): ${a.dosing ? `IV dose ${pct} %, over the full time` : `any dose at most ${pct} %`}; ${severe ? 'no oral magnesium' : 'no oral maintenance beyond this course without review'}; watch for hypermagnesemia; max ${config.renal.maxMagnesiumSulfateGramsPer48h} g in 48 h.`,
    );
  } else if (m.reducedRenalFunction) {
    const d = m.reducedRenalFunction;
    lines.push(`${d.result.analyte === 'egfr' ? 'eGFR' : 'Creatinine'} ${dated(d, config, d.result.analyte === 'egfr' ? 0 : 2)}: monitor magnesium more closely.`);
  }
  if (m.potassium) {
    lines.push(`**Potassium is low** (${dated(m.potassium, config)}): correct potassium and magnesium together; low potassium resists replacement until magnesium is corrected.`);
  }
  if (m.calcium) {
    const c = m.calcium;
    const what =
      c.basis === 'ionized'
        ? `ionized calcium ${dated(c.result, config, 2)}`
        : c.basis === 'albumin-corrected'
          ? `calcium ${valueWithConversion(c.result.result, 1)}, ${num(c.value, 1)} mg/dL corrected for albumin ${valueWithConversion(c.albumin!.result, 1)}`
          : c.basis === 'reported-corrected'
            ? `albumin-corrected calcium ${dated(c.result, config, 1)}`
            : `total calcium ${dated(c.result, config, 1)} (not albumin-corrected)`;
    lines.push(`**Calcium is low**: ${what}. Correct it concurrently; it may not correct until magnesium is repleted.`);
  }
  if (m.magnesiumOrders) {
    for (const o of m.magnesiumOrders) {
      const since = o.authoredOn ? `, ordered ${o.authoredOn}` : '';
      const dose = o.doseText ? `: ${md(prose(o.doseText))}` : '';
      lines.push(
        o.oral
          ? `**Already on oral magnesium** (${md(prose(o.display))}${dose}${since}): confirm it is taken and tolerated; no second oral order.`
          : `**Magnesium already ordered** (${md(prose(o.display))}${dose}${since}): confirm it was given, then recheck the level; no second IV order.`,
      );
    }
  }
  if (m.pregnancy) {
    lines.push(`${labelled('Pregnancy', m.pregnancy)}: magnesium sulfate infused beyond 5-7 days can harm the fetus; coordinate with obstetrics (it may already run for pre-eclampsia). Usual oral doses are not restricted.`);
  }
  if (m.digoxin) {
    lines.push(`${labelled('Digoxin', m.digoxin)}: low magnesium raises the risk of digoxin toxicity; correct magnesium and potassium, consider a digoxin level.`);
  }
  if (m.gi) {
    // R-RENAL-3: no oral magnesium at all, so no "later" oral salt either.
    const later = m.renal?.severity === 'severe' ? '' : `, later ${config.oral.giTolerated}`;
    lines.push(`${labelled('Diarrhoea or short bowel', m.gi)}: no magnesium oxide (it worsens diarrhoea); IV is recommended${later}.`);
  }
  if (m.pediatric) {
    const p = m.pediatric;
    const who = p.neonate ? `Neonate, ${ageText(p, config)} old` : `Child, ${ageText(p, config)}`;
    const weightText = p.weight ? `, ${num(p.weight.result.value, 1)} kg on ${at(p.weight.result, config)}` : '';
    if (p.neonate) lines.push(`**${who}${weightText}**: no automatic dose; ask for neonatal or paediatric specialist review.`);
    else if (!p.weight) lines.push(`**${who}, no body weight in the last ${config.pediatric.weightWindowDays} days**: record a weight; doses are weight-based.`);
    else if (!a.dosing) lines.push(`**${who}${weightText}**: recheck first; the dose then follows the child's weight.`);
    else lines.push(`**${who}${weightText}**: dose by weight, ${config.pediatric.ivMgPerKgLow}-${config.pediatric.ivMgPerKgHigh} mg/kg (max ${config.pediatric.ivMaxGramsPerDose} g) over ${config.pediatric.ivInfusionHoursMin}-${config.pediatric.ivInfusionHoursMax} h; the label's ${config.pediatric.labelCeilingMgPerKg} mg/kg is a ceiling, not a dose.`);
  }
  if (m.ageUnknown) {
    lines.push(
      m.weight
        ? `**Age not known** (no birth date): the dose is by weight (${num(m.weight.result.value, 1)} kg), capped at the adult dose; record the age.`
        : '**Age not known** (no birth date): no dose without age and weight; record both.',
    );
  }
  if (m.depletingMedications) {
    const ppi = m.depletingMedications.some((d) => d.drugClass === 'proton pump inhibitor');
    lines.push(`**Possible medication cause**: ${list(m.depletingMedications.map((d) => `${md(prose(d.display))} (${d.drugClass})`), 4)}. Review the need${ppi ? ' (a proton pump inhibitor can often be stopped or switched)' : ''}; keep monitoring magnesium while it continues.`);
  }
  // R-TXT-1: the K, Ca and renal values read and not flagged above, so the clinician sees they were checked.
  const c = m.checked ?? {};
  const fine = [
    ...(c.potassium && !m.potassium ? [`potassium ${valueWithConversion(c.potassium.result)}`] : []),
    ...(c.calcium && !m.calcium ? [`calcium ${valueWithConversion(c.calcium.result, c.calcium.result.analyte === 'calciumIonized' ? 2 : 1)}`] : []),
    ...(c.egfr && !m.renal && !m.reducedRenalFunction ? [`eGFR ${canonical(c.egfr.result, 0)}`] : []), // in its display unit, as in the evidence table
    ...(c.creatinine && !c.egfr && !m.renal && !m.reducedRenalFunction ? [`creatinine ${valueWithConversion(c.creatinine.result)}`] : []),
  ];
  const missing = [...(!c.potassium ? ['potassium'] : []), ...(!c.calcium ? ['calcium'] : []), ...(!c.egfr && !c.creatinine ? [m.renal ? 'eGFR or creatinine' : 'renal function'] : [])];
  if (fine.length > 0 || missing.length > 0) {
    lines.push(`${fine.length > 0 ? `Checked, not low: ${list(fine)}.` : ''}${fine.length > 0 && missing.length > 0 ? ' ' : ''}${missing.length > 0 ? `Not available: ${missing.join(', ')}.` : ''}`);
  }
  return lines;
}

function modifierEvidence(m: Modifiers): Array<{ label: string; d: DatedResult; decimals?: number }> {
  const rows: Array<{ label: string; d: DatedResult; decimals?: number }> = [];
  const c = m.checked ?? {};
  if (c.potassium) rows.push({ label: 'Potassium', d: c.potassium });
  if (c.calcium) rows.push({ label: c.calcium.result.analyte === 'calciumIonized' ? 'Ionized calcium' : 'Calcium', d: c.calcium, decimals: c.calcium.result.analyte === 'calciumIonized' ? 2 : 1 });
  if (m.calcium?.albumin) rows.push({ label: 'Albumin', d: m.calcium.albumin, decimals: 1 });
  if (c.egfr) rows.push({ label: 'eGFR', d: c.egfr, decimals: 0 });
  if (c.creatinine) rows.push({ label: 'Creatinine', d: c.creatinine });
  const weight = m.pediatric?.weight ?? (m.ageUnknown ? m.weight : undefined);
  if (weight) rows.push({ label: 'Body weight', d: weight, decimals: 1 });
  if (m.symptomatic?.qtc) rows.push({ label: 'QTc', d: m.symptomatic.qtc, decimals: 0 });
  return rows;
}

/** "in 10 h" / "in 7 days" / "now". */
function afterText(f: FollowUp): string {
  if (f.afterHours === 0) return 'now';
  return f.afterHours < 48 ? `in ${Math.round(f.afterHours)} h` : `in ${Math.round(f.afterHours / 24)} days`;
}

function followUpText(f: FollowUp): string {
  return `${list(f.tests.map((t) => TEST_NAMES[t]))} ${afterText(f)}`;
}

function separationText(m: Modifiers, config: RuleConfig): string {
  const named = m.oralInteractions?.map((o) => md(prose(o.display)));
  return named && named.length > 0
    ? `Take with food; separate from ${list(named, 3)} (active order) by ${config.oral.separationHours} h.`
    : `Take with food; separate from tetracyclines, fluoroquinolones, bisphosphonates, levothyroxine and iron by ${config.oral.separationHours} h.`;
}

function ivPlanLines(iv: IvDose, a: { tier: Tier; modifiers: Modifiers }, config: RuleConfig, recommended: boolean): string[] {
  const l = iv.level;
  const lines: string[] = [];
  const premixed = premixedBagFor(l.grams, config);
  const bag = `from the ${num(premixed.grams)} g/${premixed.mL} mL premixed bag${premixed.grams > l.grams + 1e-9 ? ` (${num((l.grams / premixed.grams) * premixed.mL, 1)} mL)` : ''}`;
  if (l.bolus) {
    const fast = l.bolus.torsadesOrArrest ? ' (torsades de pointes or arrest)' : '';
    lines.push(`**Now**: magnesium sulfate ${bolusText(l)}${fast}${l.levelDoseAfterBolus ? `, then ${ivDoseText(l)} at ${num(l.rateGramsPerHour)} g/h` : ''}${iv.replacesOralOrder ? '; replaces the oral order' : ''}.`);
  } else {
    const rate = l.unit === 'mg' ? `${num(l.rateGramsPerHour * 1000, 0)} mg/h` : `${num(l.rateGramsPerHour)} g/h`;
    const perKg = l.weightBased ? ` (${l.weightBased.mgPerKg} mg/kg${l.weightBased.capped ? ', capped' : ''})` : '';
    lines.push(`${recommended ? '**Recommended**' : 'If oral is not possible'}: magnesium sulfate ${ivDoseText(l)}${perKg} at ${rate}, ${bag}${l.renalAdjusted ? `, reduced for renal function` : ''}${iv.replacesOralOrder ? '; replaces the oral order' : ''}.`);
  }
  if (recommended) {
    const repeat = l.repeatUpTo ? `Repeat by level, up to ${num(l.repeatUpTo.grams)} g over ${l.repeatUpTo.hours} h; a` : 'A';
    lines.push(`${repeat}t most ${maxDoseText(l)}. Check reflexes, respiration and blood pressure${a.tier === 'severe' || a.modifiers.symptomatic ? '; ECG monitoring' : ''}.`);
  }
  return lines;
}

function planLines(a: ReplacementAssessment | CardiacTargetAssessment, config: RuleConfig): string[] {
  const plan = a.plan!;
  const m = a.modifiers;
  const lines: string[] = [];
  if (m.renal?.severity === 'severe') lines.push('**Discuss with the prescriber or nephrology** before giving magnesium.');
  const tier: Tier = a.kind === 'replacement' ? a.tier : 'mild';
  const iv = plan.doses.find((d): d is IvDose => d.route === 'iv');
  const oral = plan.doses.find((d): d is OralDose => d.route === 'oral');
  if (plan.recommended === 'iv' && iv) {
    lines.push(...ivPlanLines(iv, { tier, modifiers: m }, config, true));
    if (plan.oralMaintenanceText) {
      lines.push(`After repletion, oral maintenance may follow: ${prose(config.oral.product.display)}, 1 tablet twice daily.`);
    } else if (m.gi && m.renal?.severity !== 'severe') {
      lines.push(`If oral later: ${config.oral.giTolerated}.`);
    }
  } else if (oral) {
    lines.push(`**Recommended**: ${oralDoseText(oral, config)}${oral.renalAdjusted ? ' (fewer doses for renal function)' : ''}. ${oral.tabletsPerDose !== undefined ? separationText(m, config) : ''}`.trim());
    if (iv) lines.push(...ivPlanLines(iv, { tier, modifiers: m }, config, false));
    lines.push(`${TREAT_THE_CAUSE} (GI losses, alcohol, drugs); ${config.oral.alternatives}.`);
  }
  return lines.slice(0, 4);
}

function followUpLine(plan: DosePlan, config: RuleConfig, m: Modifiers): string {
  const iv = plan.doses.find((d): d is IvDose => d.route === 'iv');
  if (plan.recommended === 'iv' && iv) {
    const during = iv.level.repeatUpTo ? `magnesium every ${config.monitoring.ivSevereEveryHours} h while correcting; ` : '';
    return `**Follow-up**: ${during}${list(plan.followUp.iv.tests.map((t) => TEST_NAMES[t]))} ${num(iv.level.recheckAfterEndHours, 1)} h after the end of the infusion (${afterText(plan.followUp.iv)}), then daily until normal.`;
  }
  const renal = m.renal ? ` ${Math.round(plan.followUp.oral.afterHours / 24)} days` : ` ${config.monitoring.oralRecheckText}`;
  return `**Follow-up**: magnesium${renal} after starting oral magnesium.`;
}

function recheckActions(f: FollowUp, config: RuleConfig, ctx: CardContext, note: string, reason = HYPOMAGNESEMIA_REASON) {
  return f.tests.map((test) => ({
    type: 'create' as const,
    description: `Draft order: ${TEST_NAMES[test]} level`,
    resource: labServiceRequest(test, f, config, ctx, note, reason) as unknown as { resourceType: string },
  }));
}

function suggestionFor(dose: IvDose | OralDose, plan: DosePlan, ctx: CardContext, uuid: () => string): Suggestion {
  const { config } = ctx;
  const followUp = plan.followUp[dose.route];
  const medication = dose.route === 'iv' ? ivMedicationRequest(dose, config, ctx) : oralMedicationRequest(dose, config, ctx);
  const label =
    dose.route === 'iv'
      ? `Order magnesium sulfate ${amountText(dose.level)} IV${dose.level.bolus ? ' (emergency dose first)' : ` over ${num(dose.level.infusionHours, 2)} h`}${dose.replacesOralOrder ? ', replaces the oral order,' : ''} and recheck ${followUpText(followUp)}`
      : dose.tabletsPerDose !== undefined
        ? `Order ${prose(config.oral.product.display)}, ${dose.tabletsPerDose} ${dose.dosesPerDay === 1 ? 'once' : 'twice'} daily for ${dose.durationDays} days, and recheck ${afterText(followUp)}`
        : `Order oral magnesium (dose by weight) and recheck ${afterText(followUp)}`;
  const note = dose.route === 'iv' ? 'Follow-up after IV magnesium replacement' : 'Follow-up after starting oral magnesium';
  return {
    label,
    uuid: uuid(),
    isRecommended: dose.route === plan.recommended,
    actions: [
      { type: 'create', description: `Draft ${dose.route === 'iv' ? 'IV' : 'oral'} magnesium order`, resource: medication as unknown as { resourceType: string } },
      ...recheckActions(followUp, config, ctx, note),
    ],
  };
}

const tierRange = (tier: Tier, config: RuleConfig) => {
  const t = config.magnesium;
  return tier === 'severe' ? `< ${t.severeBelowMgDl} mg/dL` : tier === 'moderate' ? `${t.severeBelowMgDl} to < ${t.moderateBelowMgDl} mg/dL` : `${t.moderateBelowMgDl} to < ${t.lowBelowMgDl} mg/dL`;
};

function headline(mg: MagnesiumReading, what: string, config: RuleConfig): string {
  return `**Serum magnesium ${md(valueWithConversion(mg.result))}**: ${what}; drawn ${at(mg.result, config)} (${age(mg.ageHours)}).`;
}

const WITHHELD_TEXT: Record<NonNullable<ReplacementAssessment['withheldReason']>, string> = {
  neonate: 'No automatic dose for a neonate: neonatal or paediatric specialist review; recheck the level.',
  'child-without-weight': 'No dose suggested: a body weight is needed for a weight-based dose; recheck the level.',
  'age-unknown-without-weight': 'No dose suggested: the age is unknown and no weight is recorded; record age and weight, recheck the level.',
  'iv-order-exists': 'No new magnesium order: one is already active. Confirm it was given, then recheck.',
  'oral-order-exists': 'No new magnesium order: oral magnesium is already ordered. Confirm adherence, then recheck.',
  'given-before-result': 'No further dose now: IV magnesium was given after this result was drawn. Recheck the level first.',
};

function replacementCard(a: ReplacementAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const symptomatic = a.modifiers.symptomatic ? 'Symptomatic ' : '';
  const tierWord = symptomatic ? a.tier : capital(a.tier);
  const action = !a.plan
    ? a.withheldReason === 'neonate'
      ? 'specialist review'
      : a.withheldReason === 'child-without-weight'
        ? 'record weight to dose'
        : a.withheldReason === 'age-unknown-without-weight'
          ? 'record age and weight to dose'
        : 'recheck before more magnesium'
    : a.plan.recommended === 'iv'
      ? `give IV magnesium${a.modifiers.renal ? ' at reduced dose' : ''}`
      : `start oral magnesium${a.modifiers.renal ? ' at reduced dose' : ''}`;
  const summary = fitSummary([`${symptomatic}${tierWord} hypomagnesemia: Mg ${mgText}`], [` ${age(a.magnesium.ageHours)}`, `, ${action}`]);

  const dosing = a.plan !== undefined;
  const lines: string[] = [
    headline(a.magnesium, `${a.tier} hypomagnesemia (${tierRange(a.tier, config)})`, config),
    ...noticeLines(a.notices, config),
    ...ignoredNotes(a.ignoredNewer, config),
    ...notCheckedNotes(ctx, dosing),
  ];
  if (a.administration) {
    const g = a.administration.given;
    const what = `${md(prose(g.display))}${g.doseText ? ` ${md(prose(g.doseText))}` : ''} IV, ${whenIn(g.effective, config.display.timeZone)}`;
    lines.push(a.administration.resultBefore ? `> **Magnesium given after this result**: ${what}.` : `> **Earlier dose**: ${what}; the level is still low after it.`);
  }
  const found = modifierLines(a.modifiers, config, { dosing, ...(a.plan ? { plan: a.plan } : {}), tier: a.tier });
  if (found.length > 0) lines.push('', ...found.map((l) => `- ${l}`));
  lines.push('', '**Plan**');
  if (a.plan) {
    lines.push(...planLines(a, config).map((l) => `- ${l}`));
    lines.push(followUpLine(a.plan, config, a.modifiers));
  } else {
    lines.push(`- ${WITHHELD_TEXT[a.withheldReason!]}`);
    lines.push(`**Follow-up**: ${followUpText(a.recheck!)}.`);
  }
  lines.push('', '**Evidence**', evidenceTable([{ label: 'Magnesium', d: a.magnesium }, ...modifierEvidence(a.modifiers)], config));

  const card: Card = {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: withinBudget(lines, config),
    source: source(),
    overrideReasons,
    extension: extension(config, withNotCheckedRules(a.ruleIds, ctx, dosing), {
      kind: 'replacement',
      severity: a.tier,
      route: a.plan?.recommended ?? 'none',
      symptomatic: a.modifiers.symptomatic !== undefined,
      weightBasedDose: a.plan !== undefined && a.plan.doses.some((d) => d.route === 'iv' && d.level.weightBased !== undefined),
    }),
  };
  if (a.plan) {
    card.suggestions = a.plan.doses.map((dose) => suggestionFor(dose, a.plan!, ctx, uuid));
  } else {
    card.suggestions = [
      {
        label: `Order ${followUpText(a.recheck!)}`,
        uuid: uuid(),
        isRecommended: true,
        actions: recheckActions(a.recheck!, config, ctx, 'Recheck magnesium before further replacement'),
      },
    ];
  }
  card.selectionBehavior = 'at-most-one';
  return card;
}

function cardiacCard(a: CardiacTargetAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const summary = fitSummary([`Magnesium ${mgText} is below the cardiac target of ${config.cardiac.targetMgDl.toFixed(1)} mg/dL`], [` (${age(a.magnesium.ageHours)})`]);
  const why = [...(a.modifiers.cardiac ?? []), ...(a.modifiers.digoxin ?? [])].map((c) => md(prose(c.display)));
  const lines = [
    headline(a.magnesium, `not low, but below the cardiac target of ${config.cardiac.targetMgDl.toFixed(1)} mg/dL`, config),
    ...noticeLines(a.notices, config),
    ...notCheckedNotes(ctx, true),
    '',
    `- **Cardiac risk** (${list(why, 3)}): keep magnesium at or above ${config.cardiac.targetMgDl.toFixed(1)} mg/dL.`,
    ...modifierLines({ ...a.modifiers, cardiac: undefined, symptomatic: undefined } as Modifiers, config, { dosing: true, plan: a.plan }).map((l) => `- ${l}`),
    '',
    '**Plan**',
    ...planLines(a, config).map((l) => `- ${l}`),
    followUpLine(a.plan, config, a.modifiers),
    '',
    '**Evidence**',
    evidenceTable([{ label: 'Magnesium', d: a.magnesium }, ...modifierEvidence(a.modifiers)], config),
  ];
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(),
    overrideReasons,
    suggestions: a.plan.doses.map((dose) => suggestionFor(dose, a.plan, ctx, uuid)),
    selectionBehavior: 'at-most-one',
    extension: extension(config, withNotCheckedRules(a.ruleIds, ctx, true), { kind: 'cardiac-target', severity: 'none', route: a.plan.recommended }),
  };
}

function staleCard(a: StaleAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const summary = fitSummary(
    [`${capital(a.tier)} hypomagnesemia on an old result: Mg ${mgText}`],
    [` (${age(a.magnesium.ageHours)})`, ', recheck before dosing'],
  );
  const lines = [
    headline(a.magnesium, `would be ${a.tier} hypomagnesemia, but it is older than ${config.results.freshHours} h: too old to dose from`, config),
    ...noticeLines(a.notices, config),
    ...ignoredNotes(a.ignoredNewer, config),
    ...notCheckedNotes(ctx, false),
  ];
  const found = modifierLines(a.modifiers, config, { dosing: false });
  if (found.length > 0) lines.push('', ...found.map((l) => `- ${l}`));
  lines.push('', '**Plan**', `- Recheck ${list(a.recheck.tests.map((t) => TEST_NAMES[t]))} now, then dose from the new result. No dose is suggested from this one.`);
  lines.push('', '**Evidence**', evidenceTable([{ label: 'Magnesium', d: a.magnesium }, ...modifierEvidence(a.modifiers)], config));
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(),
    overrideReasons,
    suggestions: [
      {
        label: `Order repeat ${list(a.recheck.tests.map((t) => TEST_NAMES[t]))} now`,
        uuid: uuid(),
        isRecommended: true,
        actions: recheckActions(a.recheck, config, ctx, 'Recheck before magnesium replacement: last result too old'),
      },
    ],
    selectionBehavior: 'at-most-one',
    extension: extension(config, a.ruleIds, { kind: 'stale', severity: a.tier, route: 'none' }),
  };
}

function previousText(p: MagnesiumReading, config: RuleConfig): string {
  const state = p.mgDl > config.magnesium.highAboveMgDl ? 'high' : p.mgDl >= config.magnesium.lowBelowMgDl ? 'normal' : 'low';
  return `${md(valueWithConversion(p.result))} on ${at(p.result, config)} (${age(p.ageHours)}, ${state})`;
}

function repeatMagnesium(ctx: CardContext, uuid: () => string, note: string): Pick<Card, 'suggestions' | 'selectionBehavior'> {
  const f: FollowUp = { tests: ['magnesium'], afterHours: 0, windowHours: ctx.config.monitoring.nowWindowHours, priority: 'routine' };
  return {
    suggestions: [{ label: 'Order a repeat serum magnesium now', uuid: uuid(), isRecommended: true, actions: recheckActions(f, ctx.config, ctx, note) }],
    selectionBehavior: 'at-most-one',
  };
}

function uninterpretableCard(a: UninterpretableAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const drawn = a.skipped.effective ? ` (${whenIn(a.skipped.effective, config.display.timeZone)})` : '';
  const summary = fitSummary(
    [`Latest magnesium result could not be read`],
    [` (${SKIP_REASON_SHORT[a.skipped.reason]})`, a.previous ? `; previous ${valueWithConversion(a.previous.result)}` : ', verify in the lab system'],
  );
  const lines = [
    `**The latest serum magnesium result${drawn} could not be read**: ${md(a.skipped.detail)}.`,
    ...noticeLines(a.notices, config),
    ...(a.previous ? [`The previous result was ${previousText(a.previous, config)}; the latest one may differ.`] : []),
    'Units and values are never guessed, so no classification or dose is given. Verify the result in the lab system, or order a repeat serum magnesium.',
  ];
  return recheckOnlyCard(a, ctx, uuid, summary, lines, 'Latest magnesium result could not be read', 'uninterpretable');
}

/** A card that gives no dose, only a repeat serum magnesium (unreadable or future-dated latest result). */
function recheckOnlyCard(a: { indicator: Card['indicator']; ruleIds: string[] }, ctx: CardContext, uuid: () => string, summary: string, lines: string[], note: string, kind: string): Card {
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(),
    ...repeatMagnesium(ctx, uuid, note),
    overrideReasons,
    extension: extension(ctx.config, a.ruleIds, { kind, severity: 'none', route: 'none' }),
  };
}

function futureCard(a: FutureOnlyAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const summary = fitSummary(['Magnesium result dated in the future was not used'], [a.previous ? `; previous ${valueWithConversion(a.previous.result)}` : '', ", check the lab system's clock"]);
  const lines = [
    ...noticeLines({ future: a.future }, config).map((l) => l.replace(/^> /, '')),
    ...(a.previous ? [`The latest usable result was ${previousText(a.previous, config)}.`] : ['No other magnesium result could be used.']),
  ];
  return recheckOnlyCard(a, ctx, uuid, summary, lines, 'Magnesium result dated in the future', 'future-result');
}

function potassiumCard(a: PotassiumAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const kText = valueWithConversion(a.potassium.result);
  const summary = fitSummary([`Low potassium (${kText}) without a recent magnesium level`], [': check serum magnesium']);
  const lines = [
    `**Potassium ${md(kText)}** on ${at(a.potassium.result, config)} (${age(a.potassium.ageHours)}) is low (< ${config.potassium.lowBelowMmolL} mmol/L), and no serum magnesium was drawn in the last ${config.potassium.recentMagnesiumHours} h${a.previous ? ` (last: ${previousText(a.previous, config)})` : ''}.`,
    ...noticeLines(a.notices, config),
    '',
    '- Low magnesium makes low potassium resist replacement: check serum magnesium with the potassium replacement.',
  ];
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(HYPOKALEMIA),
    suggestions: [
      {
        label: 'Order serum magnesium now',
        uuid: uuid(),
        isRecommended: true,
        actions: recheckActions(a.recheck, config, ctx, 'Low potassium without a recent magnesium level', { coding: [{ ...HYPOKALEMIA }], text: HYPOKALEMIA.display }),
      },
    ],
    selectionBehavior: 'at-most-one',
    overrideReasons,
    extension: extension(config, a.ruleIds, { kind: 'potassium-without-magnesium', severity: 'none', route: 'none' }),
  };
}

function hyperCard(a: HyperAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const m = config.magnesium;
  const words =
    a.level === 'severe-toxicity'
      ? 'risk of respiratory depression and heart block'
      : a.level === 'toxic-risk'
        ? 'risk of hyporeflexia and hypotension'
        : 'stop magnesium sources';
  const summary = fitSummary([`Hypermagnesemia: Mg ${mgText}`], [` ${age(a.magnesium.ageHours)}`, `, ${words}`]);
  const orders = a.magnesiumOrders ?? [];
  const lines = [
    `**Serum magnesium ${md(mgText)}**: above the range (> ${m.highAboveMgDl} mg/dL); drawn ${at(a.magnesium.result, config)} (${age(a.magnesium.ageHours)}).`,
    ...noticeLines(a.notices, config),
    '',
    `- **Stop magnesium sources**${orders.length > 0 ? `: ${list(orders.map((o) => md(prose(o.display))), 4)}` : ''}; review magnesium-containing antacids, laxatives and supplements.`,
  ];
  if (a.level !== 'above-range') lines.push('- Monitor deep tendon reflexes, blood pressure, respiration and ECG.');
  if (a.level === 'severe-toxicity') lines.push(`- Cardiac or respiratory toxicity: IV calcium gluconate; ${a.renal ? 'dialysis in renal failure' : 'saline and a loop diuretic if renal function allows; dialysis in renal failure'}.`);
  if (a.renal) lines.push(`- **${a.renal.severity === 'severe' ? 'Severe renal impairment' : 'Renal impairment'}** (${renalWhy({ renal: a.renal, checked: {} }, config)}): magnesium is cleared slowly; recheck magnesium and renal function.`);
  const rows: Array<{ label: string; d: DatedResult; decimals?: number }> = [{ label: 'Magnesium', d: a.magnesium }];
  if (a.renal?.egfr) rows.push({ label: 'eGFR', d: a.renal.egfr, decimals: 0 });
  if (a.renal?.creatinine) rows.push({ label: 'Creatinine', d: a.renal.creatinine });
  lines.push('', '**Evidence**', evidenceTable(rows, config));
  const card: Card = {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(HYPERMAGNESEMIA),
    overrideReasons,
    extension: extension(config, a.ruleIds, { kind: 'hypermagnesemia', severity: 'none', route: 'none' }),
  };
  // R-HYPER-2: one recommended suggestion that stops every active magnesium order (a delete action
  // by resourceId each), so the card keeps the client contract: at-most-one, one isRecommended.
  const stoppable = orders.filter((o) => o.id && o.resourceType === 'MedicationRequest');
  if (stoppable.length > 0) {
    const label = stoppable.length === 1 ? `Stop ${prose(stoppable[0]!.display)}` : `Stop the ${stoppable.length} active magnesium orders`;
    card.suggestions = [
      {
        label: label.slice(0, 120),
        uuid: uuid(),
        isRecommended: true,
        actions: stoppable.map((o) => ({ type: 'delete' as const, description: `Stop the magnesium order ${prose(o.display)}`.slice(0, 200), resourceId: `MedicationRequest/${o.id}` })),
      },
    ];
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}

export function buildCards(assessment: Assessment, ctx: CardContext): Card[] {
  const uuid = ctx.uuid ?? newUuid;
  switch (assessment.kind) {
    case 'replacement':
      return [replacementCard(assessment, ctx, uuid)];
    case 'stale':
      return [staleCard(assessment, ctx, uuid)];
    case 'uninterpretable':
      return [uninterpretableCard(assessment, ctx, uuid)];
    case 'hyper':
      return [hyperCard(assessment, ctx, uuid)];
    case 'future-result':
      return [futureCard(assessment, ctx, uuid)];
    case 'potassium-without-magnesium':
      return [potassiumCard(assessment, ctx, uuid)];
    case 'cardiac-target':
      return [cardiacCard(assessment, ctx, uuid)];
    case 'none':
      return [];
  }
}
