import type { Action, Card, Suggestion } from '../cds/schemas';
import { HYPERMAGNESEMIA, HYPOMAGNESEMIA } from '../clinical/codes';
import type { MagnesiumOrder } from '../clinical/draft-orders';
import type { Indicator } from '../rules/assessment';
import type { RuleConfig } from '../rules/config';
import type { OrderCheckAssessment, OrderFinding } from '../rules/order-check';
import { premixedBagFor } from '../rules/shared/iv-dose';
import { INDICATOR_RANK } from '../rules/shared/numbers';
import { age, fitSummaryLength, list, md, num, valueWithConversion, whenIn } from './format';
import { labServiceRequest, type OrderContext } from './orders';
import { correctedDraft, ivLevelDoseDraft, timesDaily, unitDoses } from './order-check-orders';
import { newUuid } from './card-uuid';

/**
 * Order-check findings → CDS cards (R-OS-1 … R-OS-11). One card per finding; each names the draft
 * it is about (`MedicationRequest/<id>`), and its suggestions are CDS Hooks 2.0 actions on that
 * draft: `update` with the whole corrected resource, `delete` by `resourceId`, or `create`.
 */

export interface OrderCardContext extends OrderContext {
  config: RuleConfig;
  unavailable?: string[];
  uuid?: () => string;
}

const EXTENSION_KEY = 'org.magnesium-cds.assessment';

/** R-OVR-1: the CDS Hooks R3 suggested override-reason codes. */
const OVERRIDE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes';
const overrideReasons = [
  { code: 'risk-benefit-ratio', display: 'Benefit outweighs the risk for this patient' },
  { code: 'indication-order-exists', display: 'Indication confirmed (e.g. ongoing losses or maintenance)' },
  { code: 'patient-contraindication', display: 'Suggestion does not fit this patient' },
  { code: 'need-more-info', display: 'Need more information' },
].map((r) => ({ system: OVERRIDE_SYSTEM, ...r }));

const NOT_CHECKED: Record<string, string> = {
  conditions: 'active conditions could not be obtained, so symptoms, dialysis or CKD stage and pregnancy were not checked',
  medications: 'active medication orders could not be obtained, so duplicate orders and the 24 h total were not checked',
};

const fit = fitSummaryLength;
const orderLine = (o: MagnesiumOrder) => `**Order checked:** ${md(o.product)} (${o.reference ? `\`${o.reference}\`` : md(o.label)}).`;

/** What counts as severe renal impairment (R-RENAL-3), with the cut-off the configuration runs. */
const severeRenalText = (config: RuleConfig) => `eGFR < ${num(config.renal.severeEgfrBelow, 0)}, CKD 5, ESRD or dialysis`;

function magnesiumLine(a: OrderCheckAssessment, config: RuleConfig): string {
  const mg = a.magnesium;
  if (!mg) return 'No accepted serum magnesium result was found.';
  const fresh = mg.ageHours <= config.results.freshHours;
  return `Latest serum magnesium: ${md(valueWithConversion(mg.result))}, drawn ${whenIn(mg.result.effective, config.display.timeZone, mg.result.offset)} (${age(mg.ageHours)})${fresh ? '' : `, older than ${config.results.freshHours} h`}.`;
}

/** R-OS-1/2: what the slower order is: the same dose over longer, or the same infusion at 1 g/h. */
function slowerLine(f: OrderFinding, config: RuleConfig): string {
  const doseGrams = f.values?.doseGrams ?? 0;
  if (f.order.continuous) return `Suggested: the same continuous infusion at ${num(config.iv.maxGramsPerHour)} g/h.`;
  return `Suggested: the same ${num(doseGrams)} g at ${num(config.iv.maxGramsPerHour)} g/h (over ${num(doseGrams / config.iv.maxGramsPerHour)} h).`;
}

/** The suggested bag's RxNorm code, when it could not be verified (named here, never in the order text). */
function unverifiedBagLine(f: OrderFinding, config: RuleConfig): string[] {
  if (f.ivReplacement?.kind !== 'dose') return [];
  const bag = premixedBagFor(f.ivReplacement.grams, config);
  return bag.verified ? [] : [`The suggested bag's RxNorm code ${bag.rxnorm} (${md(bag.display)}) is unverified: check it against your formulary before signing.`];
}

/** Summary and explanation per finding (no thresholds decided here: the numbers come from the rules). */
function wording(f: OrderFinding, a: OrderCheckAssessment, config: RuleConfig): { summary: string; lines: string[] } {
  const v = f.values ?? {};
  const mgText = a.magnesium ? valueWithConversion(a.magnesium.result) : '';
  switch (f.kind) {
    case 'rate-above-ceiling':
      return {
        summary: `IV magnesium faster than ${config.iv.maxMgPerMinute} mg/min (${num(v.mgPerMinute ?? 0, 0)} mg/min ordered): slow to ≤ ${num(config.iv.maxGramsPerHour)} g/h`,
        lines: [
          `The ordered rate is ${num(v.mgPerMinute ?? 0, 0)} mg/min (${num(v.gramsPerHour ?? 0)} g/h). The label limit outside emergencies is ${config.iv.maxMgPerMinute} mg/min; only torsades de pointes, cardiac arrest or eclampsia justify a faster push, and none is recorded.`,
          slowerLine(f, config),
        ],
      };
    case 'rate-above-hourly':
      return {
        summary: `IV magnesium at ${num(v.gramsPerHour ?? 0)} g/h is faster than needed: up to half may be lost in urine`,
        lines: [
          `Non-emergency IV magnesium works best at ≤ ${num(config.iv.maxGramsPerHour)} g/h: a faster infusion raises the serum level briefly and much of it is excreted before it reaches the cells.`,
          slowerLine(f, config),
        ],
      };
    case 'rate-unreadable':
      return {
        summary: `IV magnesium order: the infusion rate could not be read; check it is ≤ ${num(config.iv.maxGramsPerHour)} g/h`,
        lines: [`The rate could not be read (${md(f.problem ?? 'not stated')}), so the ${config.iv.maxMgPerMinute} mg/min and ${num(config.iv.maxGramsPerHour)} g/h limits were not checked. Nothing was assumed.`],
      };
    case 'magnesium-normal':
      return {
        summary: fit(`Latest magnesium ${mgText} is normal: confirm the indication for this magnesium order`),
        lines: [
          'Replacement is not needed for a normal level; maintenance for ongoing losses can still be right.',
          ...(f.depleting ? [`Magnesium-depleting medication on the chart: ${md(list(f.depleting.map((d) => `${d.display} (${d.drugClass})`)))}.`] : []),
          ...(a.modifiers.renal ? ['Renal impairment: magnesium accumulates; give only with a clear indication and a planned recheck.'] : []),
        ],
      };
    case 'magnesium-high': {
      const high = f.doNotGiveBecause !== 'severe-renal';
      return {
        summary: fit(high ? `Magnesium is ${mgText}: do not give this magnesium order` : 'Severe renal impairment: do not give this magnesium-containing product'),
        lines: high
          ? [`Serum magnesium is above the normal range (> ${num(config.magnesium.highAboveMgDl)} mg/dL): more magnesium risks toxicity. Stop magnesium sources.`]
          : [`Severe renal impairment (${severeRenalText(config)}): magnesium is not excreted; magnesium-containing antacids and laxatives are best avoided.`],
      };
    }
    case 'no-recent-level':
      return {
        summary: `No recent magnesium level (none in the last ${config.results.freshHours} h): check serum magnesium with this order`,
        lines: ['Dose and need cannot be checked against a current level. A serum magnesium is offered as a draft order.'],
      };
    case 'renal-dose':
      if (f.order.route === 'oral') {
        const severe = a.modifiers.renal?.severity === 'severe';
        return {
          summary: fit(
            severe
              ? 'Severe renal impairment: oral magnesium is not recommended; discuss with the prescriber or nephrology'
              : `Magnesium dose too high for renal function: ≈ ${num(v.mmolPerDay ?? 0, 1)} mmol/day ordered, ≤ ${num(v.limitMmolPerDay ?? 0, 1)} suggested`,
          ),
          lines: severe
            ? [`${severeRenalText(config)}: magnesium accumulates. If replacement is needed, IV at ≤ ${Math.round(config.renal.doseFraction * 100)} % of the level dose with a recheck after ${num(config.renal.ivRecheckHours)} h.`]
            : [`Renal impairment: at most ${Math.round(config.renal.doseFraction * 100)} % of the usual oral dose, in whole tablets, with an earlier recheck.`],
        };
      }
      return {
        summary: fit(`Magnesium dose too high for renal function: ${num(v.doseGrams ?? 0)} g ordered, ≤ ${num(v.limitGrams ?? 0)} g suggested`),
        lines: [`Renal impairment: at most ${Math.round(config.renal.doseFraction * 100)} % of the level dose, given slowly, with a recheck after ${config.renal.ivRecheckHours} h.`],
      };
    case 'renal-48h':
      return {
        summary: fit(`Magnesium dose too high for renal function: ${num(v.totalGrams ?? 0)} g IV within 48 h (limit ${num(v.limitGrams ?? 0)} g)`),
        lines: [`In severe renal insufficiency the label allows at most ${num(v.limitGrams ?? 0)} g magnesium sulfate in 48 h, with frequent levels. The total counts this draft, the other drafts and the active IV orders.`],
      };
    case 'duplicate':
      return {
        summary: fit(`Duplicate magnesium order: ${f.order.route === 'iv' ? 'IV' : f.order.route === 'im' ? 'IM' : 'oral'} magnesium is already ordered`),
        lines: [`Already ordered: ${md(f.duplicateOf ?? 'another magnesium order')}. Confirm it was given and recheck before adding another.`],
      };
    case 'child-dose-above-max':
      return {
        summary: fit(`Child: magnesium dose above ${num(v.mgPerKg ?? 0)} mg/kg (${num((v.doseGrams ?? 0) * 1000, 0)} mg ordered, max ${num(v.maxMg ?? 0, 0)} mg)`),
        lines: [`Per-dose maximum: ${num(v.mgPerKg ?? 0)} mg/kg, at most ${num(config.pediatric.ivMaxGramsPerDose)} g, for the recorded weight.`],
      };
    case 'child-no-weight':
      return { summary: 'Child: no weight recorded, so the magnesium dose cannot be checked per kg', lines: ['Record a current weight; paediatric magnesium doses are per kg.'] };
    case 'neonate':
      return { summary: 'Neonate: magnesium order needs neonatal or paediatric specialist review', lines: [`No automatic dose check or dose is given for neonates (< ${num(config.pediatric.neonateBelowDays, 0)} days).`] };
    case 'above-24h-max':
      return {
        summary: fit(`IV magnesium above the 24 h maximum: ${num(v.totalGrams ?? 0)} g in 24 h (label cap ${num(v.limitGrams ?? 0)} g)`),
        lines: ['The total counts every IV magnesium sulfate draft in this order set and the active IV orders (oral magnesium is not counted).'],
      };
    case 'pregnancy-infusion':
      return {
        summary: fit(`Pregnancy: IV magnesium for ${num(v.days ?? 0, 1)} days; continuous use beyond ${config.orderCheck.pregnancyMaxInfusionDays} days can harm the fetus`),
        lines: ['Continuous magnesium sulfate beyond 5-7 days in pregnancy has been linked to fetal hypocalcaemia and bone changes: limit the duration and involve obstetrics.'],
      };
    case 'oral-in-severe':
      return {
        summary: fit(`Severe hypomagnesemia${mgText ? ` (${mgText})` : ''}: IV replacement is recommended, not oral alone`),
        lines: [
          a.modifiers.symptomatic ? 'Symptoms or a high-risk finding are recorded: oral magnesium is too slow.' : 'At this level oral magnesium is too slow and poorly absorbed.',
          'The oral order can stay as maintenance after IV repletion.',
          ...(f.ivReplacement?.kind === 'withheld' ? [`No IV dose is suggested automatically (${f.ivReplacement.reason.replace(/-/g, ' ')}): dose with specialist advice.`] : []),
          ...unverifiedBagLine(f, config),
        ],
      };
    case 'oral-above-range':
    case 'oral-below-range': {
      const above = f.kind === 'oral-above-range';
      return {
        summary: fit(`Oral magnesium dose ${above ? 'above' : 'below'} the usual range: ≈ ${num(v.mmolPerDay ?? 0, 1)} mmol/day (usual ${num(config.oral.dailyMmolLow)}-${num(config.oral.dailyMmolHigh)})`),
        lines: [above ? 'Higher doses mostly add diarrhoea, not magnesium.' : 'This is unlikely to replace a deficit.'],
      };
    }
    case 'child-oral-unchecked':
      return {
        summary: fit(`Oral magnesium for a child: dose not checked — dose by paediatric formulary (weight ${num(v.weightKg ?? 0, 1)} kg)`),
        lines: [`≈ ${num(v.mmolPerDay ?? 0, 1)} mmol/day ordered. The rules give an oral range for adults only (${num(config.oral.dailyMmolLow)}-${num(config.oral.dailyMmolHigh)} mmol/day); check this dose per kg against the paediatric formulary.`],
      };
    case 'child-oral-above-adult-max':
      return {
        summary: fit(`Child: oral magnesium ≈ ${num(v.mmolPerDay ?? 0, 1)} mmol/day is above the adult maximum (${num(v.limitMmolPerDay ?? 0)} mmol/day)`),
        lines: [
          `A child should not need more than the adult upper dose; higher doses mostly add diarrhoea. Dose by paediatric formulary for the recorded weight (${num(v.weightKg ?? 0, 1)} kg).`,
        ],
      };
    case 'dose-unreadable':
      return {
        summary: 'Magnesium order: the dose could not be read, so it was not checked',
        lines: [`Why: ${md(f.problem ?? 'unreadable dose')}. Nothing was assumed; check the dose, strength and frequency in the order.`],
      };
  }
}

function suggestionsFor(f: OrderFinding, ctx: OrderCardContext, uuid: () => string): Suggestion[] {
  const { config } = ctx;
  const out: Suggestion[] = [];
  const ref = f.order.reference;
  const corrected = f.correction && ref ? correctedDraft(f.order, f.correction, config) : undefined;
  if (f.correction && ref && corrected) {
    const label =
      f.correction.kind === 'oral'
        ? `Change to ${unitDoses(f.order, f.correction.tabletsPerDose)} by mouth ${timesDaily(f.correction.dosesPerDay)} (≈ ${num(f.correction.mmolPerDay, 1)} mmol/day)`
        : f.correction.kind === 'iv-continuous-rate'
          ? `Run the IV infusion at ${num(f.correction.gramsPerHour)} g/h`
          : f.correction.kind === 'iv-rate'
          ? `Give ${num(f.correction.grams)} g IV at ${num(f.correction.gramsPerHour)} g/h (over ${num(f.correction.hours)} h)`
          : f.correction.kind === 'iv-mg'
            ? `Change to ${num(f.correction.mg, 0)} mg IV over ${num(f.correction.hours)} h`
            : `Change to ${f.correction.dose.unit === 'mg' ? `${num(f.correction.dose.mg, 0)} mg` : `${num(f.correction.dose.grams)} g`} IV over ${num(f.correction.dose.infusionHours)} h`;
    out.push({
      label,
      uuid: uuid(),
      isRecommended: true,
      actions: [{ type: 'update', description: `Update ${ref}: ${label.toLowerCase()}`, resource: corrected as unknown as Action['resource'] & object }],
    });
  }
  if ((f.kind === 'magnesium-normal' || f.kind === 'magnesium-high' || f.kind === 'duplicate') && ref) {
    out.push({
      label: f.kind === 'duplicate' ? 'Remove the duplicate magnesium order' : 'Remove this magnesium order',
      uuid: uuid(),
      isRecommended: f.kind !== 'magnesium-normal',
      actions: [{ type: 'delete', description: `Remove draft ${ref}`, resourceId: ref }],
    });
  }
  if (f.recheck) {
    out.push({
      label: 'Order serum magnesium now',
      uuid: uuid(),
      actions: [{ type: 'create', description: 'Draft serum magnesium order', resource: labServiceRequest('magnesium', 0, config, ctx, 'Magnesium level before or with the magnesium order') as unknown as Action['resource'] & object }],
    });
  }
  if (f.ivReplacement?.kind === 'dose') {
    const d = f.ivReplacement;
    out.push({
      label: `Add IV magnesium sulfate ${d.unit === 'mg' ? `${num(d.mg, 0)} mg` : `${num(d.grams)} g`} over ${num(d.infusionHours)} h (keep the oral order as maintenance)`,
      uuid: uuid(),
      isRecommended: true,
      actions: [
        { type: 'create', description: 'Draft IV magnesium order (level dose)', resource: ivLevelDoseDraft(d, config, ctx) as unknown as Action['resource'] & object },
        { type: 'create', description: 'Draft magnesium recheck', resource: labServiceRequest('magnesium', d.recheckHours, config, ctx, 'Recheck after IV magnesium') as unknown as Action['resource'] & object },
      ],
    });
  }
  return out;
}

function cardFor(f: OrderFinding, a: OrderCheckAssessment, ctx: OrderCardContext, uuid: () => string): Card {
  const { config } = ctx;
  const { summary, lines } = wording(f, a, config);
  const notChecked = (ctx.unavailable ?? []).filter((k) => NOT_CHECKED[k]).map((k) => `> **Not checked**: ${NOT_CHECKED[k]}.`);
  const detail = [
    orderLine(f.order),
    '',
    ...lines,
    '',
    magnesiumLine(a, config),
    ...(notChecked.length > 0 ? ['', ...notChecked] : []),
    '',
    `---\n<sub>Rules: ${f.ruleIds.join(', ')} · rule set ${config.version} · suggestions change the draft only after clinician review.</sub>`,
  ].join('\n');
  const card: Card = {
    uuid: uuid(),
    summary: fit(summary),
    indicator: f.indicator,
    detail,
    source: { label: `Magnesium CDS · order check · rule set ${config.version}`, topic: { ...(f.kind === 'magnesium-high' ? HYPERMAGNESEMIA : HYPOMAGNESEMIA) } },
    overrideReasons,
    extension: { [EXTENSION_KEY]: { kind: f.kind, draft: f.order.label, ruleIds: f.ruleIds } },
  };
  const suggestions = suggestionsFor(f, ctx, uuid);
  if (suggestions.length > 0) {
    // At most one recommended suggestion with at-most-one (cds-resp-1).
    let recommended = false;
    for (const s of suggestions) {
      if (s.isRecommended && recommended) delete s.isRecommended;
      if (s.isRecommended) recommended = true;
    }
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  return card;
}

/** Cards ordered by indicator (critical first); the same input gives the same cards. */
export function buildOrderCards(a: OrderCheckAssessment, ctx: OrderCardContext): { cards: Card[]; ruleIdsByCard: Record<string, string[]> } {
  const uuid = ctx.uuid ?? newUuid;
  const rank = (i: Indicator) => INDICATOR_RANK[i];
  const findings = a.findings.map((f, i) => ({ f, i })).sort((x, y) => rank(y.f.indicator) - rank(x.f.indicator) || x.i - y.i);
  const ruleIdsByCard: Record<string, string[]> = {};
  const cards = findings.map(({ f }) => {
    const card = cardFor(f, a, ctx, uuid);
    ruleIdsByCard[card.uuid!] = f.ruleIds;
    return card;
  });
  return { cards, ruleIdsByCard };
}
