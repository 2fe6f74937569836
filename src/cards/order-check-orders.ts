import type { Dosage, MedicationRequest } from 'fhir/r4';
import { ROUTES, SYSTEMS } from '../clinical/codes';
import type { MagnesiumOrder } from '../clinical/draft-orders';
import type { Correction } from '../rules/order-check';
import type { RuleConfig } from '../rules/config';
import { premixedBagFor, type IvLevelDose } from '../rules/shared/iv-dose';
import { num } from './format';
import type { OrderContext } from './orders';

/**
 * The FHIR resources the order-check suggestions carry: the draft corrected as a whole resource
 * (same id, for `update`), and the IV level-dose draft created beside an oral-only order (R-OS-10).
 */

const ucum = (value: number, code: string) => ({ value: Number(value.toFixed(3)), unit: code, system: SYSTEMS.ucum, code });

type DoseAndRate = NonNullable<Dosage['doseAndRate']>[number];

/** Dose, rate, infusion time and cap of an IV level dose, in mg for a child's dose below 1 g (R-PED-2). */
function levelDoseDosage(dose: IvLevelDose): { doseAndRate: DoseAndRate; hours: number; text: string; maxDosePerPeriod: Dosage['maxDosePerPeriod'] } {
  const mg = dose.unit === 'mg';
  const amount = mg ? ucum(dose.mg, 'mg') : ucum(dose.grams, 'g');
  const rate = mg ? ucum(dose.mg / dose.infusionHours, 'mg/h') : ucum(dose.rateGramsPerHour, 'g/h');
  const doseText = mg ? `${num(dose.mg, 0)} mg` : `${num(dose.grams)} g`;
  return {
    doseAndRate: { doseQuantity: amount, rateQuantity: rate },
    hours: dose.infusionHours,
    text: `magnesium sulfate ${doseText} (${num(dose.mmol, 1)} mmol) IV over ${num(dose.infusionHours)} h`,
    maxDosePerPeriod: {
      numerator: ucum(dose.maxDosePerPeriod.grams, 'g'),
      denominator: ucum(dose.maxDosePerPeriod.periodHours, 'h'),
    },
  };
}

/**
 * JSON without null, "", [] or {} members (recursively): FHIR forbids them, and a response must
 * not carry them (CH-02), so a draft that arrived with some is returned without them.
 */
function withoutEmptyMembers(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      const kept = withoutEmptyMembers(item);
      if (kept !== undefined) items.push(kept);
    }
    return items.length > 0 ? items : undefined;
  }
  if (value === null || value === '') return undefined;
  if (typeof value !== 'object') return value;
  const entries: Array<[string, unknown]> = [];
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const kept = withoutEmptyMembers(member);
    if (kept !== undefined) entries.push([key, kept]);
  }
  // fromEntries defines each key as an own member (a "__proto__" key stays data).
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

/** "once daily", "twice daily", "3 times daily". */
export const timesDaily = (perDay: number) => `${perDay === 1 ? 'once' : perDay === 2 ? 'twice' : `${perDay} times`} daily`;

type Repeat = NonNullable<NonNullable<Dosage['timing']>['repeat']>;

/**
 * The complete timing of a corrected IV dose given over `hours`: the draft's own IV schedule when it
 * stated an IV route and a schedule whose interval leaves room for the infusion, else one dose. An
 * oral schedule the EHR kept after a medication swap (3 a day) is never carried into an IV order.
 */
function ivRepeat(order: MagnesiumOrder, hours: number, keepSchedule: boolean): Repeat {
  const sent = order.resource.dosageInstruction?.[0];
  const repeat = sent?.timing?.repeat;
  const duration = { duration: Number(hours.toFixed(3)), durationUnit: 'h' as const };
  const intervalHours = order.dosesPerDay ? 24 / order.dosesPerDay : undefined;
  const scheduled = repeat !== undefined && (repeat.frequency !== undefined || repeat.period !== undefined);
  if (!keepSchedule || !sent?.route || !scheduled || intervalHours === undefined || intervalHours < hours - 1e-9) return { count: 1, ...duration };
  const { frequency, period, periodUnit, count, boundsDuration, boundsPeriod } = repeat;
  return { frequency, period, periodUnit, count, boundsDuration, boundsPeriod, ...duration };
}

const hasIvRoute = (dosage: Dosage) => (dosage.route?.coding ?? []).some((c) => c.code === ROUTES.iv.code);

/**
 * Deepest nesting of a draft that is copied into an update action. Real MedicationRequests stay far
 * below it; a draft nested thousands of levels deep (a few kB of JSON) would overflow the stack
 * while it is copied and serialised, so it gets no update suggestion (the card still fires).
 */
export const MAX_COPIED_DRAFT_DEPTH = 64;

/** Whether `value` nests objects or arrays deeper than `limit` (an explicit stack: no recursion). */
function nestingExceeds(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The draft with the correction applied; every other member is kept as sent (empty members
 * dropped). Undefined when the draft is too deeply nested to copy (MAX_COPIED_DRAFT_DEPTH).
 */
/** "1 capsule (400 mg)": a count of the draft's own dose unit with its strength, never a bare number. */
export function unitDoses(order: MagnesiumOrder, count: number): string {
  const form = /capsule/i.test(order.product) ? 'capsule' : 'tablet';
  const strength = order.dose.ok && order.dose.tablets ? ` (${num(order.dose.tablets.strengthMg, 0)} mg)` : '';
  return `${num(count)} ${form}${count === 1 ? '' : 's'}${strength}`;
}

export function correctedDraft(order: MagnesiumOrder, correction: Correction, config: RuleConfig): MedicationRequest | undefined {
  if (nestingExceeds(order.resource, MAX_COPIED_DRAFT_DEPTH)) return undefined;
  // A shallow copy is enough: only its dosageInstruction is replaced, the dosage and its timing are
  // copied before they change, and withoutEmptyMembers below rebuilds every object and array, so
  // the answer shares nothing with the request.
  const resource: MedicationRequest = { ...order.resource };
  const dosage: Dosage = { ...(resource.dosageInstruction?.[0] ?? {}) };
  let repeat: Repeat = { ...(dosage.timing?.repeat ?? {}) };
  switch (correction.kind) {
    case 'iv-rate':
    case 'iv-mg': {
      const mg = correction.kind === 'iv-mg';
      const hours = correction.hours;
      const amount = mg ? ucum(correction.mg, 'mg') : ucum(correction.grams, 'g');
      const rate = mg ? ucum(correction.mg / hours, 'mg/h') : ucum(correction.gramsPerHour, 'g/h');
      dosage.doseAndRate = [{ doseQuantity: amount, rateQuantity: rate }];
      repeat = ivRepeat(order, hours, true);
      dosage.text = `magnesium sulfate ${mg ? `${num(correction.mg, 0)} mg` : `${num(correction.grams)} g`} IV over ${num(hours)} h (${num(rate.value)} ${rate.code})`;
      break;
    }
    case 'iv-continuous-rate': {
      // Only the rate changes; the bag and how long it runs stay as ordered.
      const rate = ucum(correction.gramsPerHour, 'g/h');
      dosage.doseAndRate = [{ rateQuantity: rate }];
      dosage.text = `magnesium sulfate continuous IV infusion at ${num(rate.value)} g/h`;
      break;
    }
    case 'iv-dose': {
      const d = levelDoseDosage(correction.dose);
      dosage.doseAndRate = [d.doseAndRate];
      // The level dose (R-IV-2) is one dose followed by a recheck, whatever the draft's schedule.
      repeat = ivRepeat(order, d.hours, false);
      dosage.maxDosePerPeriod = d.maxDosePerPeriod;
      dosage.text = d.text;
      break;
    }
    case 'oral': {
      const q = order.resource.dosageInstruction?.[0]?.doseAndRate?.[0]?.doseQuantity;
      dosage.doseAndRate = [{ doseQuantity: { ...(q ?? {}), value: correction.tabletsPerDose } }];
      Object.assign(repeat, { frequency: correction.dosesPerDay, period: 1, periodUnit: 'd' });
      delete repeat.frequencyMax;
      dosage.text = `${order.product}: ${unitDoses(order, correction.tabletsPerDose)} by mouth ${timesDaily(correction.dosesPerDay)} (≈ ${num(correction.mmolPerDay, 1)} mmol Mg/day)`;
      break;
    }
  }
  if (correction.kind !== 'oral' && !hasIvRoute(dosage)) dosage.route = { coding: [{ ...ROUTES.iv }], text: 'IV' };
  dosage.timing = { ...(dosage.timing ?? {}), repeat };
  resource.dosageInstruction = [dosage, ...(Array.isArray(resource.dosageInstruction) ? resource.dosageInstruction.slice(1) : [])];
  return withoutEmptyMembers(resource) as MedicationRequest;
}

/** R-OS-10: the IV level dose as a new draft, in the smallest premixed bag that holds it (R-IV-3). */
export function ivLevelDoseDraft(dose: IvLevelDose, config: RuleConfig, ctx: OrderContext): MedicationRequest {
  const bag = premixedBagFor(dose.grams, config);
  const d = levelDoseDosage(dose);
  return {
    resourceType: 'MedicationRequest',
    status: 'draft',
    intent: 'proposal',
    medicationCodeableConcept: {
      coding: [{ system: SYSTEMS.rxnorm, code: bag.rxnorm, display: bag.display }],
      // The EHR copies this text into its order: the unverified-code caveat is in the card detail.
      text: bag.display,
    },
    subject: { reference: `Patient/${ctx.patientId}` },
    ...(ctx.encounterId ? { encounter: { reference: `Encounter/${ctx.encounterId}` } } : {}),
    authoredOn: ctx.now.toISOString(),
    dosageInstruction: [
      {
        text: `${d.text}, not faster than ${num(config.iv.maxGramsPerHour)} g/h`,
        route: { coding: [{ ...ROUTES.iv }], text: 'IV' },
        timing: { repeat: { count: 1, duration: Number(d.hours.toFixed(3)), durationUnit: 'h' } },
        doseAndRate: [d.doseAndRate],
        maxDosePerPeriod: d.maxDosePerPeriod,
      },
    ],
  };
}
