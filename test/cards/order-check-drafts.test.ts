import type { MedicationRequest } from 'fhir/r4';
import { correctedDraft } from '../../src/cards/order-check-orders';
import { readDraftOrders } from '../../src/clinical/draft-orders';
import { defaultRuleConfig } from '../../src/rules/config';
import type { Correction } from '../../src/rules/order-check';
import { ivDraft as fixture } from '../order-fixtures';

/** A corrected draft is a new resource: the request's draft is left as it came and shares no object with it. */
function ivDraft(): MedicationRequest {
  const draft = fixture({ id: 'draft-1', grams: 4, hours: 0.5 }) as unknown as MedicationRequest;
  draft.note = [{ text: '' }, { text: 'keep' }];
  draft.extension = [];
  draft.dosageInstruction!.push({ text: 'second dosage line', additionalInstruction: [{ text: 'monitor reflexes' }] });
  return JSON.parse(JSON.stringify(draft)) as MedicationRequest;
}

function objectsIn(value: unknown, into = new Set<object>()): Set<object> {
  if (typeof value === 'object' && value !== null) {
    into.add(value);
    for (const member of Object.values(value)) objectsIn(member, into);
  }
  return into;
}

describe('correctedDraft', () => {
  const correction: Correction = { kind: 'iv-rate', grams: 4, gramsPerHour: 1, hours: 4 };

  test('leaves the draft as it came and shares no object with it', () => {
    const draft = ivDraft();
    const before = JSON.stringify(draft);
    const [order] = readDraftOrders({ entry: [{ resource: draft }] }, defaultRuleConfig);
    const corrected = correctedDraft(order!, correction, defaultRuleConfig)!;
    expect(JSON.stringify(draft)).toBe(before);
    const sent = objectsIn(draft);
    for (const object of objectsIn(corrected)) expect(sent.has(object)).toBe(false);
  });

  test('keeps what it does not correct and drops empty members', () => {
    const [order] = readDraftOrders({ entry: [{ resource: ivDraft() }] }, defaultRuleConfig);
    const corrected = correctedDraft(order!, correction, defaultRuleConfig)!;
    expect(corrected).toMatchObject({ id: 'draft-1', status: 'draft', intent: 'order', note: [{ text: 'keep' }] });
    expect(corrected.note).toHaveLength(1);
    expect(corrected).not.toHaveProperty('extension');
    expect(corrected.dosageInstruction![0]!.doseAndRate).toEqual([
      { doseQuantity: { value: 4, unit: 'g', system: 'http://unitsofmeasure.org', code: 'g' }, rateQuantity: { value: 1, unit: 'g/h', system: 'http://unitsofmeasure.org', code: 'g/h' } },
    ]);
    expect(corrected.dosageInstruction![0]!.timing!.repeat).toMatchObject({ count: 1, duration: 4, durationUnit: 'h' });
    expect(corrected.dosageInstruction![1]).toEqual({ text: 'second dosage line', additionalInstruction: [{ text: 'monitor reflexes' }] });
  });

  test('a "__proto__" member of the draft stays a data member of the copy', () => {
    const draft = JSON.parse(JSON.stringify(ivDraft()).replace('"status":"draft"', '"__proto__":{"polluted":true},"status":"draft"')) as MedicationRequest;
    const [order] = readDraftOrders({ entry: [{ resource: draft }] }, defaultRuleConfig);
    const corrected = correctedDraft(order!, correction, defaultRuleConfig)!;
    expect(Object.getPrototypeOf(corrected)).toBe(Object.prototype);
    expect((corrected as unknown as { polluted?: boolean }).polluted).toBeUndefined();
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });
});
