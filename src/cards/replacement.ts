import { randomUUID } from 'node:crypto';
import type { Card, Suggestion } from '../cds/schemas';
import type {
  Assessment,
  DatedResult,
  FollowUp,
  HyperAssessment,
  IvDose,
  LabTest,
  Modifiers,
  OralDose,
  ReplacementAssessment,
  StaleAssessment,
  UninterpretableAssessment,
} from '../rules/assessment';
import type { RuleConfig } from '../rules/config';
import type { SkippedResult } from '../clinical/facts';
import { age, canonical, datedValue, list, md, num, reported, valueWithConversion, when } from './format';
import { ivDoseText, ivMedicationRequest, labServiceRequest, oralDoseText, oralMedicationRequest, type OrderContext } from './orders';
import { HYPOMAGNESEMIA } from '../clinical/codes';

/**
 * Assessment → CDS Hooks cards. Wording only: every number comes from the assessment or the rule
 * configuration. Words that claim a finding (low potassium, renal impairment, pregnancy, stale
 * result, per-kg dose) appear only when the rules found it.
 */

export interface CardContext extends OrderContext {
  config: RuleConfig;
  /** Prefetch keys whose data could not be obtained; the card says what was not checked. */
  unavailable?: string[];
  uuid?: () => string;
}

const NOT_CHECKED: Record<string, string> = {
  conditions: 'active conditions could not be obtained from the EHR, so symptoms, dialysis or CKD stage and pregnancy were not checked',
  medications: 'active medication orders could not be obtained from the EHR, so medication causes and existing magnesium orders were not checked',
};

function notCheckedNotes(ctx: CardContext): string[] {
  return (ctx.unavailable ?? []).filter((key) => NOT_CHECKED[key]).map((key) => `> **Not checked**: ${NOT_CHECKED[key]}.`);
}

const SUMMARY_MAX = 139;
const EXTENSION_KEY = 'org.magnesium-cds.assessment';

const OVERRIDE_SYSTEM = 'urn:magnesium-cds:override-reason';
export const overrideReasons = [
  { code: 'already-treated', display: 'Magnesium replacement already ordered or given' },
  { code: 'recheck-pending', display: 'Repeat magnesium already ordered' },
  { code: 'not-indicated', display: 'Not clinically indicated for this patient' },
  { code: 'goals-of-care', display: 'Not in line with goals of care' },
].map((r) => ({ system: OVERRIDE_SYSTEM, ...r }));

const SKIP_REASON_SHORT: Record<SkippedResult['reason'], string> = {
  status: 'not verified',
  'unit-missing': 'unit missing',
  'unit-unknown': 'unit not recognised',
  'value-missing': 'no value',
  'value-not-numeric': 'value cannot be classified',
  'no-date': 'no usable date',
  'future-date': 'dated in the future',
};

const TEST_NAMES: Record<LabTest, string> = {
  magnesium: 'magnesium',
  potassium: 'potassium',
  calcium: 'calcium',
  creatinine: 'creatinine',
};

function source(config: RuleConfig): Card['source'] {
  return {
    label: `Magnesium CDS · rule set ${config.version}`,
    topic: { ...HYPOMAGNESEMIA },
  };
}

/** Drops optional summary parts, last first, until the summary fits in 139 characters. */
function fitSummary(parts: string[], optional: string[]): string {
  let text = parts.join('') + optional.join('');
  for (let keep = optional.length - 1; text.length > SUMMARY_MAX && keep >= 0; keep -= 1) {
    text = parts.join('') + optional.slice(0, keep).join('');
  }
  return text.length > SUMMARY_MAX ? `${text.slice(0, SUMMARY_MAX - 1)}…` : text;
}

function footer(ruleIds: string[], config: RuleConfig): string {
  const unique = [...new Set(ruleIds)];
  return `\n---\n<sub>Rules: ${unique.join(', ')} · rule set ${config.version} · draft orders need clinician review.</sub>`;
}

function extension(data: Record<string, string | string[] | boolean>): Record<string, unknown> {
  return { [EXTENSION_KEY]: data };
}

function evidenceTable(rows: Array<{ label: string; d: DatedResult; decimals?: number }>, now: Date): string {
  const lines = ['| Result | Reported | Used as | Drawn | |', '|---|---|---|---|---|'];
  for (const { label, d, decimals } of rows) {
    lines.push(
      `| ${label} (LOINC ${d.result.loinc}) | ${md(reported(d.result))} | ${md(canonical(d.result, decimals))} | ${when(d.result.effective)} | ${age((now.getTime() - d.result.effective.getTime()) / 3_600_000)} |`,
    );
  }
  return lines.join('\n');
}

function ignoredNotes(ignored: SkippedResult[]): string[] {
  return ignored.map((s) =>
    s.reason === 'status'
      ? `A later magnesium result${s.effective ? ` (${when(s.effective)})` : ''} was not used: ${md(s.detail)}.`
      : `A later magnesium result${s.effective ? ` (${when(s.effective)})` : ''} could not be interpreted (${md(s.detail)}); verify it in the lab system.`,
  );
}

/** Lines for each modifier the rules found (R-SYM-1, R-RENAL-*, R-LYTE-*, R-PREG-1, R-PED-1, R-MED-1, R-MON-3). */
function modifierLines(m: Modifiers, config: RuleConfig, dosing: { iv?: IvDose } | false): string[] {
  const lines: string[] = [];
  if (m.symptomatic) {
    const why = [
      ...m.symptomatic.conditions.map((c) => md(c.display)),
      ...(m.symptomatic.qtc ? [`QTc ${num(m.symptomatic.qtc.result.value, 0)} ms (${when(m.symptomatic.qtc.result.effective)})`] : []),
    ];
    if (dosing) {
      const iv = dosing.iv;
      const emergency = iv ? `${iv.gramsLow === iv.gramsHigh ? `${num(iv.gramsLow)} g` : `${num(iv.gramsLow)}-${num(iv.gramsHigh)} g`} IV over about ${config.iv.torsadesMinutes} min` : 'the weight-based dose given faster';
      lines.push(`**Symptomatic / high-risk** (${list(why)}): give magnesium IV whatever the level, with continuous ECG monitoring. Torsades de pointes or arrest: ${emergency}.`);
    } else {
      lines.push(`**Symptomatic / high-risk** (${list(why)}): recheck magnesium urgently (stat) and monitor the ECG; in torsades de pointes or arrest magnesium is given whatever the level.`);
    }
  }
  if (m.potassium) {
    lines.push(
      `**Potassium is low**: ${datedValue(m.potassium)} (< ${config.potassium.lowBelowMmolL} mmol/L). Correct potassium and magnesium together: hypokalemia caused by magnesium deficiency resists potassium replacement until magnesium is corrected.`,
    );
  }
  if (m.calcium) {
    const c = m.calcium;
    const what =
      c.basis === 'ionized'
        ? `ionized calcium ${datedValue(c.result, 2)} (< ${config.calcium.ionizedLowBelowMmolL} mmol/L)`
        : c.basis === 'albumin-corrected'
          ? `calcium ${datedValue(c.result, 1)}, corrected for albumin ${valueWithConversion(c.albumin!.result, 1)} to ${num(c.value, 1)} mg/dL (< ${config.calcium.totalLowBelowMgDl} mg/dL)`
          : c.basis === 'reported-corrected'
            ? `albumin-corrected calcium ${datedValue(c.result, 1)} (< ${config.calcium.totalLowBelowMgDl} mg/dL)`
            : `total calcium ${datedValue(c.result, 1)} (< ${config.calcium.totalLowBelowMgDl} mg/dL; not albumin-corrected, no recent albumin)`;
    lines.push(`**Calcium is low**: ${what}. Correct calcium concurrently; hypocalcemia may not correct until magnesium is repleted.`);
  }
  if (m.renal) {
    const r = m.renal;
    const why = [
      ...(r.egfr ? [`eGFR ${datedValue(r.egfr, 0)}`] : []),
      ...(r.computedEgfr ? [`eGFR ≈ ${num(r.computedEgfr.value, 0)} mL/min/1.73 m² computed by CKD-EPI 2021 from creatinine ${datedValue(r.computedEgfr.creatinine)}`] : []),
      ...(r.creatinine && !r.computedEgfr ? [`creatinine ${datedValue(r.creatinine)} (> ${config.renal.creatinineAboveMgDl} mg/dL)`] : r.creatinine ? [`creatinine > ${config.renal.creatinineAboveMgDl} mg/dL`] : []),
      ...r.conditions.map((c) => md(c.display)),
    ];
    const pct = Math.round(config.renal.doseFraction * 100);
    lines.push(
      dosing
        ? `**Renal impairment** (${list(why)}): doses below are reduced to ${pct} % of the usual dose; verify renal function, avoid routine oral maintenance without review, recheck magnesium sooner and watch for hypermagnesemia (loss of reflexes, hypotension). Severe renal insufficiency: at most ${config.renal.maxMagnesiumSulfateGramsPer48h} g magnesium sulfate in 48 h.`
        : `**Renal impairment** (${list(why)}): when dosing, give at most ${pct} % of the usual dose and watch for hypermagnesemia; at most ${config.renal.maxMagnesiumSulfateGramsPer48h} g magnesium sulfate in 48 h in severe renal insufficiency.`,
    );
  }
  if (m.reducedRenalFunction) {
    const d = m.reducedRenalFunction;
    lines.push(`${d.result.analyte === 'egfr' ? 'eGFR' : 'Creatinine'} ${datedValue(d, d.result.analyte === 'egfr' ? 0 : 2)}: monitor magnesium more closely.`);
  }
  if (m.pregnancy) {
    lines.push(
      `**Pregnancy** (${list(m.pregnancy.map((p) => md(p.display)))}): continuous magnesium sulfate beyond 5-7 days can harm the fetus (hypocalcemia, skeletal abnormalities); coordinate with obstetrics, magnesium sulfate may already be running for pre-eclampsia. Usual oral doses are not restricted by this.`,
    );
  }
  if (m.pediatric) {
    const p = m.pediatric;
    const weightText = p.weight ? `, weight ${num(p.weight.result.value, 1)} kg (${when(p.weight.result.effective)})` : '';
    if (!dosing) lines.push(`**Child, ${p.ageYears} years${weightText}**: recheck first; the dose then follows the child's weight.`);
    else if (p.weight) {
      lines.push(
        `**Child, ${p.ageYears} years${weightText}**: IV dose ${config.pediatric.ivMgPerKgLow}-${config.pediatric.ivMgPerKgHigh} mg/kg per dose (max ${config.pediatric.ivMaxGramsPerDose} g) over ${config.pediatric.ivInfusionHoursMin}-${config.pediatric.ivInfusionHoursMax} h; faster only for torsades or seizures. The label's ${config.pediatric.labelCeilingMgPerKg} mg/kg is an absolute ceiling, not a dose. Oral dose by paediatric formulary.`,
      );
    } else {
      lines.push(`**Child, ${p.ageYears} years, no body weight recorded in the last ${config.pediatric.weightWindowDays} days**: record a weight; doses are weight-based, so none is suggested without one.`);
    }
  }
  if (m.ageUnknown) lines.push('**Age not recorded**: the doses are adult doses; do not use them for a child.');
  if (m.depletingMedications) {
    const drugs = m.depletingMedications.map((d) => `${md(d.display)} (${d.drugClass})`);
    lines.push(
      `**Possible medication cause**: ${list(drugs)}. Review the need or an alternative (e.g. for a proton pump inhibitor) and keep monitoring magnesium while it continues.`,
    );
  }
  if (m.magnesiumOrders) {
    const oral = m.magnesiumOrders.filter((o) => o.oral);
    const other = m.magnesiumOrders.filter((o) => !o.oral);
    if (oral.length > 0) lines.push(`**Already on oral magnesium** (${list(oral.map((o) => md(o.display)))}): check adherence and absorption; monitor magnesium ${config.monitoring.chronicOralText}.`);
    if (other.length > 0) lines.push(`**Active magnesium order** (${list(other.map((o) => md(o.display)))}): avoid duplicate replacement.`);
  }
  return lines;
}

function modifierEvidence(m: Modifiers): Array<{ label: string; d: DatedResult; decimals?: number }> {
  const rows: Array<{ label: string; d: DatedResult; decimals?: number }> = [];
  if (m.potassium) rows.push({ label: 'Potassium', d: m.potassium });
  if (m.calcium) {
    rows.push({ label: m.calcium.basis === 'ionized' ? 'Ionized calcium' : 'Calcium', d: m.calcium.result });
    if (m.calcium.albumin) rows.push({ label: 'Albumin', d: m.calcium.albumin, decimals: 1 });
  }
  if (m.renal?.egfr) rows.push({ label: 'eGFR', d: m.renal.egfr, decimals: 0 });
  const creatinine = m.renal?.creatinine ?? m.renal?.computedEgfr?.creatinine;
  if (creatinine) rows.push({ label: 'Creatinine', d: creatinine });
  if (m.pediatric?.weight) rows.push({ label: 'Body weight', d: m.pediatric.weight, decimals: 1 });
  if (m.symptomatic?.qtc) rows.push({ label: 'QTc', d: m.symptomatic.qtc, decimals: 0 });
  return rows;
}

/** "6 h" / "7 days" / "now". */
function afterText(f: FollowUp): string {
  if (f.afterHours === 0) return 'now';
  return f.afterHours < 48 ? `${f.afterHours} h` : `${Math.round(f.afterHours / 24)} days`;
}

/** "magnesium, potassium and calcium in 6 h" (suggestion labels). */
function followUpText(f: FollowUp): string {
  const tests = list(f.tests.map((t) => TEST_NAMES[t]));
  return f.afterHours === 0 ? `${tests} now` : `${tests} in ${afterText(f)}`;
}

function doseLine(dose: IvDose | OralDose, a: ReplacementAssessment, config: RuleConfig): string {
  if (dose.route === 'oral') {
    const base = oralDoseText(dose, config);
    const extra = a.modifiers.pediatric
      ? ''
      : ` Usual range ${config.oral.dailyMmolLow}-${config.oral.dailyMmolHigh} mmol Mg/day (1 tablet ≈ ${config.oral.product.mmolMagnesiumPerTablet} mmol ≈ ${config.oral.product.mgElementalPerTablet} mg elemental); ${config.oral.alternatives}.`;
    const when = a.plan?.recommended === 'iv' ? 'after IV repletion, as maintenance: ' : '';
    return `Oral: ${when}${base}${dose.renalAdjusted ? ' (reduced for renal impairment)' : ''}.${extra}`;
  }
  const perKg = dose.perKg
    ? ` (${num(dose.perKg.mgPerKgLow)}-${num(dose.perKg.mgPerKgHigh)} mg/kg × ${num(dose.perKg.weightKg, 1)} kg${dose.perKg.capped ? `, capped at ${config.pediatric.ivMaxGramsPerDose} g` : ''})`
    : '';
  const rateCap = `not faster than ${config.iv.maxMgPerMinute} mg/min outside emergencies, diluted to ≤ ${config.iv.maxConcentrationPercent} %`;
  const followOn =
    a.tier === 'severe' && !dose.perKg
      ? dose.renalAdjusted
        ? `; further doses only by level, at most ${Math.round(config.renal.doseFraction * 100)} % of the usual dose (at most ${config.renal.maxMagnesiumSulfateGramsPer48h} g in 48 h)`
        : `; ${config.iv.followOnText}`
      : '';
  const context = a.plan?.recommended === 'oral' ? 'if oral is not possible (NPO, malabsorption, inpatient), ' : '';
  const emergency = dose.emergencyMinutes ? `; in torsades or arrest give it over ${dose.emergencyMinutes} min` : '';
  return `IV: ${context}${config.iv.product.display} ${ivDoseText(dose)}${perKg}${dose.renalAdjusted ? ' (reduced for renal impairment)' : ''}, ${rateCap}${followOn}${emergency}.`;
}

function suggestionFor(dose: IvDose | OralDose, a: ReplacementAssessment, ctx: CardContext, uuid: () => string): Suggestion {
  const { config } = ctx;
  const plan = a.plan!;
  const followUp = plan.followUp[dose.route];
  const medication = dose.route === 'iv' ? ivMedicationRequest(dose, config, ctx) : oralMedicationRequest(dose, config, ctx);
  const label =
    dose.route === 'iv'
      ? `Order ${config.iv.product.display} ${ivDoseText(dose)} and recheck ${followUpText(followUp)}`
      : dose.tabletsPerDose !== undefined
        ? `Order ${oralDoseText(dose, config).replace(/ \(≈.*\)$/, '')} and recheck in ${Math.round(followUp.afterHours / 24)} days`
        : `Order oral magnesium (dose by weight) and recheck in ${Math.round(followUp.afterHours / 24)} days`;
  const note = dose.route === 'iv' ? 'Follow-up after IV magnesium replacement' : 'Follow-up after starting oral magnesium';
  return {
    label,
    uuid: uuid(),
    isRecommended: dose.route === plan.recommended,
    actions: [
      { type: 'create', description: `Draft ${dose.route === 'iv' ? 'IV' : 'oral'} magnesium order`, resource: medication as unknown as { resourceType: string } },
      ...followUp.tests.map((test) => ({
        type: 'create' as const,
        description: `Draft order: ${TEST_NAMES[test]} level`,
        resource: labServiceRequest(test, followUp.afterHours, config, ctx, note) as unknown as { resourceType: string },
      })),
    ],
  };
}

function replacementCard(a: ReplacementAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config, now } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const symptomatic = a.modifiers.symptomatic ? 'Symptomatic ' : '';
  const tierWord = symptomatic ? a.tier : `${a.tier[0]!.toUpperCase()}${a.tier.slice(1)}`;
  const action = !a.plan
    ? 'record weight to dose'
    : a.plan.recommended === 'iv'
      ? `give IV magnesium${a.modifiers.renal ? ' at reduced dose' : ''}`
      : `${a.modifiers.magnesiumOrders?.some((o) => o.oral) ? 'review the oral magnesium dose' : 'start oral magnesium'}${a.modifiers.renal ? ' at reduced dose' : ''}`;
  const summary = fitSummary(
    [`${symptomatic}${tierWord} hypomagnesemia: Mg ${mgText}`],
    [` on ${when(a.magnesium.result.effective).replace(' UTC', '')}`, `, ${action}`],
  );

  const thresholds = config.magnesium;
  const tierRange =
    a.tier === 'severe'
      ? `< ${thresholds.severeBelowMgDl} mg/dL`
      : a.tier === 'moderate'
        ? `${thresholds.severeBelowMgDl}-${thresholds.moderateBelowMgDl} mg/dL`
        : `${thresholds.moderateBelowMgDl}-${thresholds.lowBelowMgDl} mg/dL`;
  const lines: string[] = [
    `**Serum magnesium ${md(mgText)}** drawn ${when(a.magnesium.result.effective)} (${age(a.magnesium.ageHours)}): ${a.tier} hypomagnesemia (${tierRange}; low is < ${thresholds.lowBelowMgDl} mg/dL).`,
    ...ignoredNotes(a.ignoredNewer).map((n) => `> ${n}`),
    ...notCheckedNotes(ctx),
    '',
  ];
  const ivPlan = a.plan?.doses.find((d): d is IvDose => d.route === 'iv');
  const found = modifierLines(a.modifiers, config, a.plan ? (ivPlan ? { iv: ivPlan } : {}) : a.modifiers.pediatric ? {} : false);
  if (found.length > 0) lines.push(...found.map((l) => `- ${l}`), '');

  if (a.plan) {
    lines.push('**Plan**');
    for (const dose of a.plan.doses) {
      lines.push(`- ${dose.route === a.plan.recommended ? '**Recommended** ' : 'Alternative '}${doseLine(dose, a, config)}`);
    }
    if (a.plan.recommended === 'iv') {
      lines.push(`- During IV replacement check deep tendon reflexes, respiration and blood pressure${a.tier === 'severe' ? '; ECG monitoring' : ''}.`);
    }
    lines.push('- Look for the cause (GI losses, poor intake, alcohol) and treat it.', '');
    lines.push('**Follow-up labs**');
    if (a.plan.recommended === 'iv') {
      lines.push(
        `- ${a.tier === 'severe' ? `Serum magnesium every ${config.monitoring.ivSevereEveryHours} h during IV correction; then ` : ''}${list(a.plan.followUp.iv.tests.map((t) => TEST_NAMES[t]))} ${afterText(a.plan.followUp.iv)} after the IV dose.`,
      );
    }
    if (a.plan.doses.some((d) => d.route === 'oral')) {
      lines.push(`- ${a.modifiers.renal ? `Magnesium ${Math.round(a.plan.followUp.oral.afterHours / 24)} days` : `Magnesium ${config.monitoring.oralRecheckText}`} after starting oral magnesium.`);
    }
    if (a.plan.recommended === 'oral' && a.plan.doses.some((d) => d.route === 'iv')) {
      lines.push(`- If given IV: ${list(a.plan.followUp.iv.tests.map((t) => TEST_NAMES[t]))} ${afterText(a.plan.followUp.iv)} after the dose.`);
    }
  } else {
    lines.push('**No dose suggested**: a body weight from the last ' + `${config.pediatric.weightWindowDays} days is needed for a weight-based dose.`);
  }
  lines.push('', '**Evidence**', evidenceTable([{ label: 'Magnesium', d: a.magnesium }, ...modifierEvidence(a.modifiers)], now));
  lines.push(footer(a.ruleIds, config));

  const card: Card = {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(config),
    overrideReasons,
    extension: extension({
      kind: 'replacement',
      severity: a.tier,
      route: a.plan?.recommended ?? 'none',
      symptomatic: a.modifiers.symptomatic !== undefined,
      weightBasedDose: a.plan !== undefined && a.plan.doses.some((d) => d.route === 'iv' && d.perKg !== undefined),
      ruleIds: [...new Set(a.ruleIds)],
    }),
  };
  if (a.plan) {
    card.suggestions = a.plan.doses.map((dose) => suggestionFor(dose, a, ctx, uuid));
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}

function staleCard(a: StaleAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config, now } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const summary = fitSummary(
    [`${a.tier[0]!.toUpperCase()}${a.tier.slice(1)} hypomagnesemia on an old result: Mg ${mgText}`],
    [` on ${when(a.magnesium.result.effective).slice(0, 10)} (${age(a.magnesium.ageHours)})`, ', recheck before dosing'],
  );
  const lines = [
    `**Serum magnesium ${md(mgText)}** drawn ${when(a.magnesium.result.effective)} (${age(a.magnesium.ageHours)}) would be ${a.tier} hypomagnesemia, but it is older than ${config.results.freshHours} h: too old to dose from.`,
    ...ignoredNotes(a.ignoredNewer).map((n) => `> ${n}`),
    ...notCheckedNotes(ctx),
    '',
    `**Recheck serum magnesium, potassium, calcium and creatinine now**, then dose from the new result. No dose is suggested from this result.`,
  ];
  const found = modifierLines(a.modifiers, config, false);
  if (found.length > 0) lines.push('', ...found.map((l) => `- ${l}`));
  lines.push('', '**Evidence**', evidenceTable([{ label: 'Magnesium', d: a.magnesium }, ...modifierEvidence(a.modifiers)], now));
  lines.push(footer(a.ruleIds, config));
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(config),
    overrideReasons,
    suggestions: [
      {
        label: 'Order repeat magnesium, potassium, calcium and creatinine now',
        uuid: uuid(),
        isRecommended: true,
        actions: a.recheck.tests.map((test) => ({
          type: 'create' as const,
          description: `Draft order: ${TEST_NAMES[test]} level`,
          resource: labServiceRequest(test, 0, config, ctx, 'Recheck before magnesium replacement: last result too old') as unknown as { resourceType: string },
        })),
      },
    ],
    selectionBehavior: 'at-most-one',
    extension: extension({ kind: 'stale', severity: a.tier, route: 'none', ruleIds: [...new Set(a.ruleIds)] }),
  };
}

function uninterpretableCard(a: UninterpretableAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config } = ctx;
  const drawn = a.skipped.effective ? ` (${when(a.skipped.effective)})` : '';
  const summary = fitSummary([`Latest magnesium result could not be interpreted`], [` (${SKIP_REASON_SHORT[a.skipped.reason]})`, ', verify in the lab system']);
  const lines = [
    `The latest serum magnesium result${drawn} could not be interpreted: ${md(a.skipped.detail)}.`,
    'The service does not guess units or values, so no classification or dose is given. Verify the result in the lab system, or order a repeat serum magnesium.',
    footer(a.ruleIds, config),
  ];
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(config),
    suggestions: [
      {
        label: 'Order a repeat serum magnesium now',
        uuid: uuid(),
        isRecommended: true,
        actions: [
          {
            type: 'create',
            description: 'Draft order: magnesium level',
            resource: labServiceRequest('magnesium', 0, config, ctx, 'Previous magnesium result could not be interpreted') as unknown as { resourceType: string },
          },
        ],
      },
    ],
    selectionBehavior: 'at-most-one',
    overrideReasons,
    extension: extension({ kind: 'uninterpretable', severity: 'none', route: 'none', ruleIds: [...new Set(a.ruleIds)] }),
  };
}

function hyperCard(a: HyperAssessment, ctx: CardContext, uuid: () => string): Card {
  const { config, now } = ctx;
  const mgText = valueWithConversion(a.magnesium.result);
  const words =
    a.level === 'severe-toxicity'
      ? 'risk of respiratory depression and heart block'
      : a.level === 'toxic-risk'
        ? 'risk of hyporeflexia and hypotension'
        : 'do not supplement';
  const summary = fitSummary([`Hypermagnesemia: Mg ${mgText}`], [` on ${when(a.magnesium.result.effective).replace(' UTC', '')}`, `, ${words}`]);
  const lines = [
    `**Serum magnesium ${md(mgText)}** drawn ${when(a.magnesium.result.effective)} (${age(a.magnesium.ageHours)}) is above the range (> ${config.magnesium.highAboveMgDl} mg/dL).`,
    '',
    '- Do not give magnesium replacement; review magnesium-containing drugs (antacids, laxatives, supplements) and renal function.',
  ];
  if (a.level !== 'above-range') lines.push(`- ${words[0]!.toUpperCase()}${words.slice(1)}: check deep tendon reflexes, blood pressure, respiration and ECG.`);
  if (a.magnesiumOrders) lines.push(`- Active magnesium order: ${list(a.magnesiumOrders.map((o) => md(o.display)))}; review it.`);
  if (a.renal) lines.push(...modifierLines({ renal: a.renal }, config, false).map((l) => `- ${l}`));
  const rows: Array<{ label: string; d: DatedResult; decimals?: number }> = [{ label: 'Magnesium', d: a.magnesium }];
  if (a.renal) rows.push(...modifierEvidence({ renal: a.renal }));
  lines.push('', '**Evidence**', evidenceTable(rows, now), footer(a.ruleIds, config));
  return {
    uuid: uuid(),
    summary,
    indicator: a.indicator,
    detail: lines.join('\n'),
    source: source(config),
    overrideReasons,
    extension: extension({ kind: 'hypermagnesemia', severity: 'none', route: 'none', ruleIds: [...new Set(a.ruleIds)] }),
  };
}

export function buildCards(assessment: Assessment, ctx: CardContext): Card[] {
  const uuid = ctx.uuid ?? randomUUID;
  switch (assessment.kind) {
    case 'replacement':
      return [replacementCard(assessment, ctx, uuid)];
    case 'stale':
      return [staleCard(assessment, ctx, uuid)];
    case 'uninterpretable':
      return [uninterpretableCard(assessment, ctx, uuid)];
    case 'hyper':
      return [hyperCard(assessment, ctx, uuid)];
    case 'none':
      return [];
  }
}
