import type { MedicationRequest, ServiceRequest, Dosage, CodeableConcept } from 'fhir/r4';
import { HYPOMAGNESEMIA, LAB_PROCEDURE, ROUTES, SYSTEMS, TABLET_FORM } from '../clinical/codes';
import type { FollowUp, IvDose, LabTest, OralDose } from '../rules/assessment';
import type { RuleConfig } from '../rules/config';
import { premixedBagFor, type IvLevelDose } from '../rules/shared/iv-dose';
import { round } from '../rules/shared/numbers';
import { num, prose } from './format';

/**
 * Draft FHIR orders carried by card suggestions. Drafts (status `draft`, intent `proposal`):
 * the clinician reviews and signs them in the EHR; nothing here is an active order.
 */

export interface OrderContext {
  patientId: string;
  encounterId?: string;
  now: Date;
}

/** FHIR instant text; one card set asks for the same few instants many times (toISOString is slow). */
const instantTexts = new Map<number, string>();
const MAX_INSTANTS = 64;
function instant(ms: number): string {
  let text = instantTexts.get(ms);
  if (text === undefined) {
    if (instantTexts.size >= MAX_INSTANTS) instantTexts.clear();
    text = new Date(ms).toISOString();
    instantTexts.set(ms, text);
  }
  return text;
}

export const HYPOMAGNESEMIA_REASON: CodeableConcept = { coding: [{ ...HYPOMAGNESEMIA }], text: HYPOMAGNESEMIA.display };

function common(ctx: OrderContext) {
  return {
    subject: { reference: `Patient/${ctx.patientId}` },
    ...(ctx.encounterId ? { encounter: { reference: `Encounter/${ctx.encounterId}` } } : {}),
  };
}

const ucum = (value: number, unit: string) => ({ value: Number(value.toFixed(3)), unit, system: SYSTEMS.ucum, code: unit });

/** "2 g" / "750 mg" (R-PED-2: a child's dose below 1 g in mg). */
export function amountText(level: Pick<IvLevelDose, 'grams' | 'mg' | 'unit'>): string {
  return level.unit === 'mg' ? `${level.mg} mg` : `${num(level.grams)} g`;
}

/** "40 g per 24 h" / "750 mg per 24 h". */
export function maxDoseText(level: IvLevelDose): string {
  const max = level.maxDosePerPeriod;
  return `${level.unit === 'mg' ? `${Math.round(max.grams * 1000)} mg` : `${num(max.grams)} g`} per ${max.periodHours} h`;
}

const hoursText = (hours: number) => (hours >= 1 && Number.isInteger(hours) ? `${hours} h` : `${num(hours * 60, 0)} min`);

/** "4 g (16.2 mmol) IV over 4 h" — always with mmol (R-IV-3, A16). */
export function ivDoseText(level: IvLevelDose): string {
  return `${amountText(level)} (${num(level.mmol, 2)} mmol) IV over ${hoursText(level.infusionHours)}`;
}

/** "2 g (8.1 mmol) IV over 15 min". */
export function bolusText(level: IvLevelDose): string {
  const b = level.bolus!;
  return `${level.unit === 'mg' ? `${b.mg} mg` : `${num(b.grams)} g`} (${num(b.mmol, 2)} mmol) IV over ${num(b.minutes, 0)} min`;
}

export function oralDoseText(dose: OralDose, config: RuleConfig): string {
  const product = prose(config.oral.product.display);
  if (dose.tabletsPerDose === undefined || dose.dosesPerDay === undefined) return `${product}: dose by paediatric formulary for the recorded weight`;
  const tablets = dose.tabletsPerDose === 1 ? '1 tablet' : `${num(dose.tabletsPerDose)} tablets`;
  const frequency = dose.dosesPerDay === 1 ? 'once daily' : dose.dosesPerDay === 2 ? 'twice daily' : `${dose.dosesPerDay} times daily`;
  const course = dose.durationDays ? ` for ${dose.durationDays} days (${dose.quantity} tablets)` : '';
  return `${product}, ${tablets} by mouth ${frequency} (≈ ${num(dose.mmolPerDay ?? 0, 1)} mmol Mg/day)${course}`;
}

/** R-IV-3: premixed product, dose in g (mg for a child), rate in g/h (mg/h), maxDosePerPeriod, mmol in the text. */
export function ivMedicationRequest(iv: IvDose, config: RuleConfig, ctx: OrderContext): MedicationRequest {
  const level = iv.level;
  const bag = premixedBagFor(level.grams, config);
  const inMg = level.unit === 'mg';
  const rateUnit = inMg ? 'mg/h' : 'g/h';
  const bolus = level.bolus;
  const perKg = level.weightBased ? ` (${level.weightBased.mgPerKg} mg/kg × ${num(level.weightBased.weightKg, 1)} kg${level.weightBased.capped ? ', capped' : ''})` : '';
  const volume = num((level.grams / bag.grams) * bag.mL, 1);
  const first = bolus
    ? `${bolusText(level)}${bolus.torsadesOrArrest ? ' (torsades de pointes or arrest)' : ''}${level.levelDoseAfterBolus ? `, then ${ivDoseText(level)} at ${num(level.rateGramsPerHour)} g/h` : ''}`
    : `${ivDoseText(level)} at ${inMg ? `${num(level.rateGramsPerHour * 1000, 0)} mg/h` : `${num(level.rateGramsPerHour)} g/h`}`;
  const text = `Magnesium sulfate ${first}${perKg}; ${volume} mL of the ${num(bag.grams)} g/${bag.mL} mL premixed bag; recheck magnesium ${num(level.recheckHours, 1)} h after the start; max ${maxDoseText(level)}`;
  const doseValue = inMg ? level.mg : level.grams;
  const rateValue = inMg ? level.rateGramsPerHour * 1000 : level.rateGramsPerHour;
  const dosage: Dosage = {
    text,
    route: { coding: [ROUTES.iv], text: 'IV' },
    timing: { repeat: { count: 1, duration: round(level.infusionHours * 60, 1), durationUnit: 'min' } },
    doseAndRate: [{ doseQuantity: ucum(doseValue, inMg ? 'mg' : 'g'), rateQuantity: ucum(rateValue, rateUnit) }],
    maxDosePerPeriod: {
      numerator: ucum(level.maxDosePerPeriod.grams, 'g'),
      denominator: ucum(level.maxDosePerPeriod.periodHours, 'h'),
    },
  };
  const instructions: Dosage[] = [dosage];
  if (bolus && level.levelDoseAfterBolus) {
    // The emergency dose first, then the level dose at <= 1 g/h (R-IV-2).
    instructions.unshift({
      sequence: 1,
      text: `Magnesium sulfate ${bolusText(level)} first${bolus.torsadesOrArrest ? ' (torsades de pointes or arrest)' : ''}`,
      route: { coding: [ROUTES.iv], text: 'IV' },
      timing: { repeat: { count: 1, duration: bolus.minutes, durationUnit: 'min' } },
      doseAndRate: [{ doseQuantity: ucum(bolus.grams, 'g'), rateQuantity: ucum(bolus.grams / (bolus.minutes / 60), 'g/h') }],
    });
    dosage.sequence = 2;
  }
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: bag.rxnorm, display: bag.display }],
      text: bag.display,
    },
    ...common(ctx),
    authoredOn: instant(ctx.now.getTime()),
    reasonCode: [HYPOMAGNESEMIA_REASON],
    dosageInstruction: instructions,
  };
}

export function oralMedicationRequest(dose: OralDose, config: RuleConfig, ctx: OrderContext): MedicationRequest {
  const dosage: Dosage = {
    text: oralDoseText(dose, config),
    route: { coding: [ROUTES.oral], text: 'by mouth' },
    patientInstruction: `Take with food. Separate from tetracyclines, fluoroquinolones, bisphosphonates, levothyroxine and iron by ${config.oral.separationHours} h.`,
  };
  if (dose.tabletsPerDose !== undefined && dose.dosesPerDay !== undefined) {
    dosage.timing = { repeat: { frequency: dose.dosesPerDay, period: 1, periodUnit: 'd', ...(dose.durationDays ? { boundsDuration: ucumDays(dose.durationDays) } : {}) } };
    dosage.doseAndRate = [
      {
        doseQuantity: {
          value: dose.tabletsPerDose,
          unit: TABLET_FORM.unit,
          system: TABLET_FORM.system,
          code: TABLET_FORM.code,
        },
      },
    ];
  }
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: config.oral.product.rxnorm, display: config.oral.product.display }],
      text: config.oral.product.display,
    },
    ...common(ctx),
    authoredOn: instant(ctx.now.getTime()),
    reasonCode: [HYPOMAGNESEMIA_REASON],
    dosageInstruction: [dosage],
    ...(dose.quantity && dose.durationDays
      ? {
          dispenseRequest: {
            quantity: { value: dose.quantity, unit: TABLET_FORM.unit, system: TABLET_FORM.system, code: TABLET_FORM.code },
            expectedSupplyDuration: ucumDays(dose.durationDays),
          },
        }
      : {}),
  };
}

const ucumDays = (days: number) => ({ value: days, unit: 'days', system: SYSTEMS.ucum, code: 'd' });

/**
 * A follow-up lab order with a priority and an occurrence window (not a fixed instant). A plain
 * number of hours (the earlier signature) is a routine order in the configured window.
 */
export function labServiceRequest(test: LabTest, when: FollowUp | number, config: RuleConfig, ctx: OrderContext, note: string, reason: CodeableConcept = HYPOMAGNESEMIA_REASON): ServiceRequest {
  const followUp: FollowUp =
    typeof when === 'number'
      ? { tests: [test], afterHours: when, windowHours: when === 0 ? config.monitoring.nowWindowHours : config.monitoring.ivRecheckWindowHours, priority: 'routine' }
      : when;
  const coding = config.codes.labOrders[test];
  const start = ctx.now.getTime() + followUp.afterHours * 3_600_000;
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    priority: followUp.priority,
    category: [{ coding: [{ ...LAB_PROCEDURE }] }],
    code: { coding: [coding], text: coding.display },
    ...common(ctx),
    occurrencePeriod: { start: instant(start), end: instant(start + followUp.windowHours * 3_600_000) },
    authoredOn: instant(ctx.now.getTime()),
    reasonCode: [reason],
    note: [{ text: note }],
  };
}
