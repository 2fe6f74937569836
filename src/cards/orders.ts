import type { MedicationRequest, ServiceRequest, Dosage, CodeableConcept } from 'fhir/r4';
import { HYPOMAGNESEMIA, LAB_PROCEDURE, ROUTES, SYSTEMS, TABLET_FORM } from '../clinical/codes';
import type { IvDose, LabTest, OralDose } from '../rules/assessment';
import type { RuleConfig } from '../rules/config';
import { num } from './format';

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

const HYPOMAGNESEMIA_REASON: CodeableConcept = { coding: [{ ...HYPOMAGNESEMIA }], text: HYPOMAGNESEMIA.display };

function common(ctx: OrderContext) {
  return {
    subject: { reference: `Patient/${ctx.patientId}` },
    ...(ctx.encounterId ? { encounter: { reference: `Encounter/${ctx.encounterId}` } } : {}),
  };
}

const grams = (value: number) => ({ value: Number(value.toFixed(3)), unit: 'g', system: SYSTEMS.ucum, code: 'g' });
const gramsPerHour = (value: number) => ({ value: Number(value.toFixed(3)), unit: 'g/h', system: SYSTEMS.ucum, code: 'g/h' });

/** "2 g over 30 min" / "0.38-0.75 g over 2-4 h". */
export function ivDoseText(dose: IvDose): string {
  const amount = dose.gramsLow === dose.gramsHigh ? `${num(dose.gramsLow)} g` : `${num(dose.gramsLow)}-${num(dose.gramsHigh)} g`;
  const duration = (min: number) => (min >= 60 && min % 60 === 0 ? `${min / 60} h` : `${min} min`);
  const time = dose.minutesLow === dose.minutesHigh
    ? duration(dose.minutesLow)
    : dose.minutesLow % 60 === 0 && dose.minutesHigh % 60 === 0
      ? `${dose.minutesLow / 60}-${dose.minutesHigh / 60} h`
      : `${duration(dose.minutesLow)}-${duration(dose.minutesHigh)}`;
  return `${amount} IV over ${time}`;
}

export function oralDoseText(dose: OralDose, config: RuleConfig): string {
  if (dose.tabletsPerDose === undefined || dose.dosesPerDay === undefined) return `${config.oral.product.display}: dose by paediatric formulary for the recorded weight`;
  const tablets = dose.tabletsPerDose === 1 ? '1 tablet' : `${num(dose.tabletsPerDose)} tablet`;
  const frequency = dose.dosesPerDay === 1 ? 'once daily' : dose.dosesPerDay === 2 ? 'twice daily' : `${dose.dosesPerDay} times daily`;
  return `${config.oral.product.display}, ${tablets} by mouth ${frequency} (≈ ${num(dose.mmolPerDay ?? 0, 1)} mmol Mg/day)`;
}

export function ivMedicationRequest(dose: IvDose, config: RuleConfig, ctx: OrderContext): MedicationRequest {
  const hoursLow = dose.minutesLow / 60;
  const hoursHigh = dose.minutesHigh / 60;
  const doseAndRate: NonNullable<Dosage['doseAndRate']>[number] =
    dose.gramsLow === dose.gramsHigh && hoursLow === hoursHigh
      ? { doseQuantity: grams(dose.gramsLow), rateQuantity: gramsPerHour(dose.gramsLow / hoursLow) }
      : {
          doseRange: { low: grams(dose.gramsLow), high: grams(dose.gramsHigh) },
          rateRange: { low: gramsPerHour(dose.gramsLow / hoursHigh), high: gramsPerHour(dose.gramsHigh / hoursLow) },
        };
  const repeat: NonNullable<NonNullable<Dosage['timing']>['repeat']> = { count: 1, duration: dose.minutesLow, durationUnit: 'min' };
  if (dose.minutesHigh !== dose.minutesLow) repeat.durationMax = dose.minutesHigh;
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: config.iv.product.rxnorm, display: config.iv.product.display }],
      text: `${config.iv.product.display} injection, diluted to ≤ ${config.iv.maxConcentrationPercent} %`,
    },
    ...common(ctx),
    authoredOn: instant(ctx.now.getTime()),
    reasonCode: [HYPOMAGNESEMIA_REASON],
    dosageInstruction: [
      {
        text: `${config.iv.product.display} ${ivDoseText(dose)}; not faster than ${config.iv.maxMgPerMinute} mg/min outside emergencies`,
        route: { coding: [ROUTES.iv], text: 'IV' },
        timing: { repeat },
        doseAndRate: [doseAndRate],
      },
    ],
  };
}

export function oralMedicationRequest(dose: OralDose, config: RuleConfig, ctx: OrderContext): MedicationRequest {
  const dosage: Dosage = {
    text: oralDoseText(dose, config),
    route: { coding: [ROUTES.oral], text: 'by mouth' },
  };
  if (dose.tabletsPerDose !== undefined && dose.dosesPerDay !== undefined) {
    dosage.timing = { repeat: { frequency: dose.dosesPerDay, period: 1, periodUnit: 'd' } };
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
  };
}

export function labServiceRequest(test: LabTest, afterHours: number, config: RuleConfig, ctx: OrderContext, note: string): ServiceRequest {
  const coding = config.codes.labOrders[test];
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    category: [{ coding: [{ ...LAB_PROCEDURE }] }],
    code: { coding: [coding], text: coding.display },
    ...common(ctx),
    occurrenceDateTime: instant(ctx.now.getTime() + afterHours * 3_600_000),
    authoredOn: instant(ctx.now.getTime()),
    reasonCode: [HYPOMAGNESEMIA_REASON],
    note: [{ text: note }],
  };
}
