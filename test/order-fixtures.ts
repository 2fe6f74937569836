import { hookRequest } from './helpers';

/** Draft MedicationRequests and order-select / order-sign bodies for the order-check tests. */

export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';

/** The sandbox's Rx View draft: `request-123`, draft, `{pill}` dose, timing.repeat.frequency per day. */
export function sandboxDraft(options: { patientId?: string; pills?: number; frequency?: number; text?: string; code?: string } = {}): Record<string, unknown> {
  const text = options.text ?? 'Magnesium Oxide 400 MG Oral Capsule';
  return {
    resourceType: 'MedicationRequest',
    id: 'request-123',
    status: 'draft',
    subject: { reference: `Patient/${options.patientId ?? 'pat-1'}` },
    authoredOn: '2026-11-22',
    dosageInstruction: [
      {
        timing: { repeat: { frequency: options.frequency ?? 2, period: 1, periodUnit: 'd' } },
        doseAndRate: [{ doseQuantity: { value: options.pills ?? 1, system: UCUM_SYSTEM, code: '{pill}' } }],
      },
    ],
    dispenseRequest: { expectedSupplyDuration: { value: 30, unit: 'days', system: UCUM_SYSTEM, code: 'd' } },
    intent: 'order',
    category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'community' }] },
    medicationCodeableConcept: { text, coding: [{ display: text, system: RXNORM, code: options.code ?? '252430' }] },
  };
}

/** An IV magnesium sulfate draft: `grams` over `hours` (as duration) or at `gramsPerHour` (as rateQuantity). */
export function ivDraft(options: { id?: string; grams: number; hours?: number; gramsPerHour?: number; mgPerMinute?: number; status?: string; days?: number; patientId?: string; everyHours?: number }): Record<string, unknown> {
  const repeat: Record<string, unknown> = options.everyHours
    ? { frequency: 1, period: options.everyHours, periodUnit: 'h' }
    : { count: 1 };
  if (options.hours !== undefined) Object.assign(repeat, { duration: options.hours, durationUnit: 'h' });
  if (options.days !== undefined) repeat.boundsDuration = { value: options.days, unit: 'd', system: UCUM_SYSTEM, code: 'd' };
  const doseAndRate: Record<string, unknown> = { doseQuantity: { value: options.grams, unit: 'g', system: UCUM_SYSTEM, code: 'g' } };
  if (options.gramsPerHour !== undefined) doseAndRate.rateQuantity = { value: options.gramsPerHour, unit: 'g/h', system: UCUM_SYSTEM, code: 'g/h' };
  if (options.mgPerMinute !== undefined) doseAndRate.rateQuantity = { value: options.mgPerMinute, unit: 'mg/min', system: UCUM_SYSTEM, code: 'mg/min' };
  return {
    resourceType: 'MedicationRequest',
    id: options.id ?? 'iv-1',
    status: options.status ?? 'draft',
    intent: 'order',
    subject: { reference: `Patient/${options.patientId ?? 'pat-1'}` },
    medicationCodeableConcept: { text: 'magnesium sulfate 4 g in 100 mL water for injection', coding: [{ system: RXNORM, code: '1658264' }] },
    dosageInstruction: [{ route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] }, timing: { repeat }, doseAndRate: [doseAndRate] }],
  };
}

export function bundle(resources: unknown[]): Record<string, unknown> {
  return { resourceType: 'Bundle', entry: resources.map((resource) => ({ resource })) };
}

/** An order-sign (or, with `selections`, order-select) body with the usual prefetch keys. */
export function orderRequest(options: Parameters<typeof hookRequest>[0] & { drafts: unknown[]; selections?: string[] }): any {
  const { drafts, selections, ...rest } = options;
  const body = hookRequest(rest);
  body.hook = selections ? 'order-select' : 'order-sign';
  body.context = {
    ...body.context,
    draftOrders: bundle(drafts),
    ...(selections ? { selections } : {}),
  };
  return body;
}
