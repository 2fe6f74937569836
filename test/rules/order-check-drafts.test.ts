import { classifyProduct, readDraftOrders } from '../../src/clinical/draft-orders';
import { buildRuleConfig } from '../../src/rules/config';
import { bundle, ivDraft, sandboxDraft, UCUM_SYSTEM } from '../order-fixtures';

/** Reading draft orders (src/clinical/draft-orders.ts): products, doses, rates and frequencies, from tables. */

const config = buildRuleConfig();
const read = (draft: unknown) => readDraftOrders(bundle([draft]) as { entry: Array<{ resource: unknown }> }, config)[0];

describe('which products are magnesium replacement orders (§9.2)', () => {
  test.each([
    ['Magnesium Oxide 400 MG Oral Capsule', { kind: 'replacement', salt: 'oxide' }],
    ['Mag-Ox 400 tablet', { kind: 'replacement', salt: 'oxide' }],
    ['magnesium chloride 64 MG Delayed Release Oral Tablet', { kind: 'replacement', salt: 'chloride' }],
    ['Magnesium glycinate 100 mg capsule', { kind: 'replacement', salt: 'glycinate' }],
    ['magnesium sulfate 1 g in 100 mL 5 % dextrose (premixed)', { kind: 'replacement', salt: 'sulfate' }],
    ['magnesium sulfate 2 g in 50 mL sodium chloride 0.9 %', { kind: 'replacement', salt: 'sulfate' }],
    ['Magnesium Sulfate 10 MG/ML / Glucose 50 MG/ML Injectable Solution', { kind: 'replacement', salt: 'sulfate' }],
    ['100 ML magnesium sulfate 20 MG/ML / sodium chloride 9 MG/ML Injection', { kind: 'replacement', salt: 'sulfate' }],
    ['magnesium chloride 0.3 MG/ML / potassium chloride 0.37 MG/ML / sodium chloride 5.26 MG/ML Injectable Solution', undefined],
    ['Aluminum Hydroxide 40 MG/ML / Magnesium Hydroxide 40 MG/ML Oral Suspension', { kind: 'antacid-laxative' }],
    ['Milk of Magnesia 400 mg/5 mL suspension', { kind: 'antacid-laxative' }],
    ['Magnesium Sulfate, 50 % Injection', { kind: 'replacement', salt: 'sulfate' }],
    ['magnesium oxide 400 mg tablet, film coated', { kind: 'replacement', salt: 'oxide' }],
    ['Magnesium oxide, folic acid tablet', undefined],
    ['magnesium citrate 1.745 GM per 30 ML Oral Solution', { kind: 'antacid-laxative' }],
    ['Epsom salt (magnesium sulfate) granules', { kind: 'antacid-laxative' }],
    ['Magnesium Citrate 200 MG Oral Tablet', { kind: 'replacement', salt: 'citrate' }],
    ['Magnesium Salicylate 580 MG Oral Tablet', undefined],
    ['Calcium 333 MG / Magnesium 133 MG / Zinc 5 MG Oral Tablet', undefined],
    ['Lisinopril 10 MG Oral Tablet', undefined],
  ])('%s', (text, expected) => {
    expect(classifyProduct(text)).toEqual(expected);
  });
});

describe('classifyProduct remembers names it has read', () => {
  const sulfate = 'magnesium sulfate 4 g in 100 mL water for injection';

  test('a repeated name gives the same class, and a caller cannot change what the next call gets', () => {
    const first = classifyProduct(sulfate);
    expect(first).toEqual({ kind: 'replacement', salt: 'sulfate' });
    expect(() => {
      (first as { kind: string }).kind = 'antacid-laxative';
    }).toThrow(TypeError);
    expect(classifyProduct(sulfate)).toEqual({ kind: 'replacement', salt: 'sulfate' });
    expect(classifyProduct('Lisinopril 10 MG Oral Tablet')).toBeUndefined();
    expect(classifyProduct('Lisinopril 10 MG Oral Tablet')).toBeUndefined();
  });

  test('made-up names only push out other names: a thousand of them later, each name still reads right', () => {
    for (let i = 0; i < 1000; i++) expect(classifyProduct(`magnesium oxide ${i} mg tablet`)).toEqual({ kind: 'replacement', salt: 'oxide' });
    expect(classifyProduct(sulfate)).toEqual({ kind: 'replacement', salt: 'sulfate' });
    expect(classifyProduct('Milk of Magnesia 400 mg/5 mL suspension')).toEqual({ kind: 'antacid-laxative' });
  });
});

describe('doses, rates and frequencies', () => {
  test('the sandbox Rx View draft: 1 {pill} of MgO 400 mg twice daily ≈ 9.9 mmol per dose, 30 days', () => {
    const order = read(sandboxDraft())!;
    expect(order).toMatchObject({ reference: 'MedicationRequest/request-123', route: 'oral', salt: 'oxide', dosesPerDay: 2, treatmentDays: 30 });
    expect(order.dose).toMatchObject({ ok: true, saltMg: 400, basis: 'tablets', tablets: { count: 1, strengthMg: 400 } });
    expect(order.dose.ok && order.dose.mmol).toBeCloseTo(9.92, 2);
  });

  test.each([
    ['rateQuantity in g/h', { doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 2, code: 'g/h', system: UCUM_SYSTEM } }] }, 2],
    ['rateQuantity in mg/min', { doseAndRate: [{ doseQuantity: { value: 2, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 100, code: 'mg/min', system: UCUM_SYSTEM } }] }, 6],
    ['rateQuantity in mL/h of a 40 mg/mL bag', { doseAndRate: [{ doseQuantity: { value: 100, code: 'mL', system: UCUM_SYSTEM }, rateQuantity: { value: 25, code: 'mL/h', system: UCUM_SYSTEM } }] }, 1],
    ['dose ÷ duration in minutes', { timing: { repeat: { count: 1, duration: 30, durationUnit: 'min' } }, doseAndRate: [{ doseQuantity: { value: 2, code: 'g', system: UCUM_SYSTEM } }] }, 4],
  ])('IV rate from %s', (_name, dosage, gramsPerHour) => {
    const draft = ivDraft({ grams: 4 }) as any;
    draft.medicationCodeableConcept.text = 'magnesium sulfate 4 g/100 mL injection';
    draft.dosageInstruction[0] = { ...draft.dosageInstruction[0], ...dosage };
    expect(read(draft)!.rate?.gramsPerHour).toBeCloseTo(gramsPerHour, 6);
  });

  test.each([
    ['a dose range', { doseAndRate: [{ doseRange: { low: { value: 1, code: 'g' }, high: { value: 2, code: 'g' } } }] }, 'dose given as a range'],
    ['an unknown unit', { doseAndRate: [{ doseQuantity: { value: 2, code: 'scoop', system: UCUM_SYSTEM } }] }, 'dose unit "scoop" not recognised'],
    ['no dose', {}, 'no dose stated'],
    ['no unit', { doseAndRate: [{ doseQuantity: { value: 2 } }] }, 'dose unit missing'],
  ])('never guessed: %s', (_name, dosage, problem) => {
    const draft = sandboxDraft() as any;
    draft.dosageInstruction = [dosage];
    expect(read(draft)!.dose).toEqual({ ok: false, problem });
  });

  test.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('never guessed: a unit named like an object property ("%s")', (unit) => {
    const draft = ivDraft({ grams: 4 }) as any;
    draft.dosageInstruction[0].doseAndRate = [{ doseQuantity: { value: 4, unit } }];
    expect(read(draft)!.dose).toEqual({ ok: false, problem: `dose unit "${unit.toLowerCase()}" not recognised` });
    draft.dosageInstruction[0].doseAndRate = [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 1, unit } }];
    expect(read(draft)!).toMatchObject({ rateProblem: `rate unit "${unit.toLowerCase()}" not recognised` });
    expect(read(draft)!.rate).toBeUndefined();
    draft.dosageInstruction[0].doseAndRate = [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM } }];
    draft.dosageInstruction[0].timing = { repeat: { frequency: 2, period: 1, periodUnit: unit, duration: 1, durationUnit: unit } };
    const order = read(draft)!;
    expect(order.rate).toBeUndefined();
    expect(order.rateProblem).toBe('no rate and no infusion duration stated');
    expect(order.frequencyProblem).toBe('frequency could not be read');
    expect(order.dosesPerDay).toBeUndefined();
  });

  test.each([
    ['a dose beyond any number', { doseAndRate: [{ doseQuantity: { value: 1e308, code: 'g', system: UCUM_SYSTEM } }] }, { dose: { ok: false, problem: 'dose value could not be read' } }],
    ['a zero rate', { doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 0, code: 'g/h', system: UCUM_SYSTEM } }] }, { rateProblem: 'rate without a value or unit' }],
    ['a rate ratio with a zero numerator', { doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateRatio: { numerator: { value: 0, code: 'g' }, denominator: { value: 1, code: 'h' } } }] }, { rateProblem: 'rate ratio could not be read' }],
    ['more doses than can be counted', { timing: { repeat: { frequency: 1e308, period: 1e-300, periodUnit: 's', count: 1e308 } }, doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 1, code: 'g/h', system: UCUM_SYSTEM } }] }, { frequencyProblem: 'frequency could not be read', rate: { mgPerMinute: expect.closeTo(1000 / 60, 9) } }],
    ['a one-off count beyond any number', { timing: { repeat: { count: 1e308 } }, doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 1, code: 'g/h', system: UCUM_SYSTEM } }] }, { frequencyProblem: 'frequency could not be read', rate: { mgPerMinute: expect.closeTo(1000 / 60, 9) } }],
    ['a rate beyond any number', { doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: UCUM_SYSTEM }, rateQuantity: { value: 1e308, code: 'g/min', system: UCUM_SYSTEM } }] }, { rateProblem: 'rate could not be read' }],
  ])('never guessed: %s', (_name, dosage, expected) => {
    const draft = ivDraft({ grams: 4 }) as any;
    draft.dosageInstruction[0] = { route: draft.dosageInstruction[0].route, ...dosage };
    const order = read(draft)!;
    expect(order).toMatchObject(expected);
    if (!('rate' in expected)) expect(order.rate).toBeUndefined();
    if ('frequencyProblem' in expected) expect(order.dosesIn24h).toBeUndefined();
  });

  test('mmol and mEq doses, BID timing code, a bounds duration in "days" text', () => {
    const draft = sandboxDraft() as any;
    draft.dosageInstruction = [{ timing: { code: { coding: [{ code: 'BID' }] }, repeat: { boundsDuration: { value: 6, unit: 'days' } } }, doseAndRate: [{ doseQuantity: { value: 10, code: 'mmol', system: UCUM_SYSTEM } }] }];
    const order = read(draft)!;
    expect(order).toMatchObject({ dosesPerDay: 2, treatmentDays: 6, dose: { ok: true, mmol: 10, basis: 'amount' } });
    draft.dosageInstruction[0].doseAndRate[0].doseQuantity = { value: 20, code: 'meq', system: UCUM_SYSTEM };
    expect(read(draft)!.dose).toMatchObject({ ok: true, mmol: 10 });
  });

  test('doses in 24 h and 48 h from the schedule; a one-off IV order is one dose', () => {
    expect(read(ivDraft({ grams: 2, hours: 2, everyHours: 6 }))).toMatchObject({ dosesIn24h: 4, dosesIn48h: 8 });
    expect(read(ivDraft({ grams: 2, hours: 2 }))).toMatchObject({ dosesIn24h: 1, dosesIn48h: 1 });
  });

  test('an id that is not a FHIR id is not quoted as a reference', () => {
    const order = read({ ...sandboxDraft(), id: 'x`](javascript:alert(1))' })!;
    expect(order.reference).toBeUndefined();
    expect(order.label).toBe('draft order 1');
  });
});
