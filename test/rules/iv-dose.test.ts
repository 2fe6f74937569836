import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { labServiceRequest } from '../../src/cards/orders';
import { buildRuleConfig, defaultRuleConfig } from '../../src/rules/config';
import { ivLevelDose, premixedBagFor, type IvLevelDose } from '../../src/rules/shared/iv-dose';
import { assessModifiers } from '../../src/rules/shared/modifiers';
import type { Tier } from '../../src/rules/assessment';
import { CASES_NOW, condition, observation } from '../helpers';

/**
 * The shared IV level dose (R-IV-2, R-IV-3, R-RENAL-1/3, R-PED-1/2/3) and the modifiers it reads
 * (renal severity, age in days/months, neonate), as a table: patient → dose or reason withheld.
 */

const index = buildFactIndex(defaultRuleConfig);
type Resource = Record<string, unknown>;

function modifiersFor(resources: Resource[], birthDate: string | null = '1960-05-01') {
  const patient: Resource = { resourceType: 'Patient', id: 'pat-1', gender: 'female' };
  if (birthDate !== null) patient.birthDate = birthDate;
  const facts = extractFacts([patient as never, ...(resources as never[])], 'pat-1', index, CASES_NOW);
  return assessModifiers(facts, defaultRuleConfig, CASES_NOW);
}

const tierOf = (mgDl: number): Tier => (mgDl < 1.2 ? 'severe' : mgDl < 1.3 ? 'moderate' : 'mild');
const dose = (mgDl: number, resources: Resource[] = [], birthDate: string | null = '1960-05-01') =>
  ivLevelDose({ mgDl, tier: tierOf(mgDl) }, modifiersFor(resources, birthDate), defaultRuleConfig);

const egfr = (value: number) => observation({ code: '98979-8', value, unit: 'mL/min/{1.73_m2}' });
const weight = (kg: number) => observation({ code: '29463-7', value: kg, unit: 'kg' });
const torsades = condition({ snomed: '31722008', text: 'Torsades de pointes' });
const seizure = condition({ snomed: '91175000', text: 'Seizure' });

interface Row {
  desc: string;
  mgDl: number;
  resources?: Resource[];
  birthDate?: string | null;
  expect: Partial<IvLevelDose> | { kind: 'withheld'; reason: string };
}

const rows: Row[] = [
  // R-IV-2 scale, both sides of each limit (adult, no renal impairment)
  { desc: '1.79 mg/dL: 2 g over 2 h', mgDl: 1.79, expect: { grams: 2, infusionHours: 2, rateGramsPerHour: 1, mmol: 8.1, mEq: 16.2, unit: 'g' } },
  { desc: '1.60 mg/dL: still 2 g over 2 h', mgDl: 1.6, expect: { grams: 2, infusionHours: 2 } },
  { desc: '1.59 mg/dL: 4 g over 4 h', mgDl: 1.59, expect: { grams: 4, infusionHours: 4, rateGramsPerHour: 1, mmol: 16.2 } },
  { desc: '1.20 mg/dL: 4 g over 4 h, no repeat', mgDl: 1.2, expect: { grams: 4, infusionHours: 4, recheckHours: 10 } },
  { desc: '1.19 mg/dL (severe): 4 g over 4 h, recheck 6 h after the end, repeat up to 8 g/8 h', mgDl: 1.19, expect: { grams: 4, infusionHours: 4, recheckHours: 10, repeatUpTo: { grams: 8, hours: 8 } } },
  { desc: 'adult cap 40 g/24 h', mgDl: 1.0, expect: { maxDosePerPeriod: { grams: 40, periodHours: 24 }, renalAdjusted: false, renalSevere: false } },
  // R-RENAL-1 / R-RENAL-3
  { desc: 'eGFR 29: half dose, same time, 20 g/48 h', mgDl: 1.0, resources: [egfr(29)], expect: { grams: 2, infusionHours: 4, rateGramsPerHour: 0.5, renalAdjusted: true, renalSevere: false, maxDosePerPeriod: { grams: 20, periodHours: 48 } } },
  { desc: 'eGFR 30: full dose', mgDl: 1.0, resources: [egfr(30)], expect: { grams: 4, renalAdjusted: false } },
  { desc: 'eGFR 14: severe renal impairment', mgDl: 1.5, resources: [egfr(14)], expect: { grams: 2, renalSevere: true, recheckHours: 10 } },
  { desc: 'eGFR 15: impaired, not severe', mgDl: 1.5, resources: [egfr(15)], expect: { grams: 2, renalSevere: false, renalAdjusted: true } },
  { desc: 'haemodialysis SNOMED beside an unknown local code: severe', mgDl: 1.5, resources: [{ ...condition({ text: 'Haemodialysis' }), code: { coding: [{ system: 'http://snomed.info/sct', code: '302497006' }, { system: 'urn:local', code: 'HD1' }], text: 'Haemodialysis' } }], expect: { renalSevere: true, grams: 2 } },
  { desc: 'dialysis by text beside an unknown SNOMED code: severe', mgDl: 1.5, resources: [{ ...condition({}), code: { coding: [{ system: 'http://snomed.info/sct', code: '999999999' }], text: 'Peritoneal dialysis' } }], expect: { renalSevere: true } },
  { desc: 'dialysis by ICD-10 Z99.2: severe', mgDl: 1.5, resources: [condition({ icd10: 'Z99.2' })], expect: { renalSevere: true } },
  // R-SYM-1 bolus
  { desc: 'seizure: 2 g over 15 min, then the level dose', mgDl: 1.59, resources: [seizure], expect: { bolus: { grams: 2, mg: 2000, mmol: 8.1, minutes: 15, mgPerMinute: 133.3, torsadesOrArrest: false }, levelDoseAfterBolus: true, grams: 4 } },
  { desc: 'torsades: 2 g over 5 min (the label exception)', mgDl: 1.5, resources: [torsades], expect: { bolus: { grams: 2, mg: 2000, mmol: 8.1, minutes: 5, mgPerMinute: 400, torsadesOrArrest: true } } },
  { desc: 'seizure with eGFR 20: bolus whole, level dose halved', mgDl: 1.5, resources: [seizure, egfr(20)], expect: { grams: 2, renalAdjusted: true } },
  // R-PED-1/2
  { desc: 'child 15 kg, mild: 25 mg/kg = 375 → 380 mg (nearest 10 mg) in mg, over 4 h', mgDl: 1.5, birthDate: '2022-01-01', resources: [weight(15)], expect: { mg: 380, unit: 'mg', infusionHours: 4, maxDosePerPeriod: { grams: 0.75, periodHours: 24 } } },
  { desc: 'child 15 kg, severe: 50 mg/kg = 750 mg over 2 h', mgDl: 1.0, birthDate: '2022-01-01', resources: [weight(15)], expect: { mg: 750, grams: 0.75, unit: 'mg', infusionHours: 2, mmol: 3 } },
  { desc: 'child 50 kg, severe: capped at 2 g', mgDl: 1.0, birthDate: '2012-01-01', resources: [weight(50)], expect: { grams: 2, unit: 'g', weightBased: { mgPerKg: 50, weightKg: 50, capped: true, cap: 'pediatric-max' } } },
  { desc: 'infant 3.3 kg, severe: 165 mg → 160 mg (never above 50 mg/kg)', mgDl: 1.0, birthDate: '2026-09-01', resources: [weight(3.3)], expect: { mg: 160, unit: 'mg' } },
  { desc: 'child without weight: withheld', mgDl: 1.0, birthDate: '2022-01-01', expect: { kind: 'withheld', reason: 'child-without-weight' } },
  { desc: 'neonate (27 days) with weight: withheld for specialist review', mgDl: 1.0, birthDate: '2026-10-26', resources: [weight(3.5)], expect: { kind: 'withheld', reason: 'neonate' } },
  { desc: '28 days is no longer a neonate', mgDl: 1.0, birthDate: '2026-10-25', resources: [weight(3.5)], expect: { kind: 'dose', mg: 170 } },
  // R-PED-3
  { desc: 'no birthDate, no weight: withheld', mgDl: 1.0, birthDate: null, expect: { kind: 'withheld', reason: 'age-unknown-without-weight' } },
  { desc: 'no birthDate, 100 kg: per-kg dose capped at the adult 4 g', mgDl: 1.0, birthDate: null, resources: [weight(100)], expect: { grams: 4, weightBased: { mgPerKg: 50, weightKg: 100, capped: true, cap: 'adult-dose' } } },
  { desc: 'no birthDate, 20 kg: 1 g by weight', mgDl: 1.0, birthDate: null, resources: [weight(20)], expect: { grams: 1, unit: 'g' } },
];

describe('ivLevelDose (R-IV-2, R-IV-3, R-RENAL-1/3, R-PED-1/2/3)', () => {
  test.each(rows.map((r) => [r.desc, r] as const))('%s', (_d, r) => {
    expect(dose(r.mgDl, r.resources, r.birthDate === undefined ? '1960-05-01' : r.birthDate)).toMatchObject(r.expect);
  });

  test('no non-emergency rate is above 1 g/h or 150 mg/min', () => {
    for (const r of rows) {
      const d = dose(r.mgDl, r.resources, r.birthDate === undefined ? '1960-05-01' : r.birthDate);
      if (d.kind !== 'dose') continue;
      if (!d.bolus) expect(d.rateGramsPerHour).toBeLessThanOrEqual(1);
      if (d.bolus && !d.bolus.torsadesOrArrest) expect(d.bolus.mgPerMinute).toBeLessThanOrEqual(150);
    }
  });

  test('the scale, caps and rates come from the configuration', () => {
    const config = buildRuleConfig({ iv: { levelScale: [{ belowMgDl: 1.8, grams: 3, hours: 3 }], maxGramsPer24h: 30 } });
    const d = ivLevelDose({ mgDl: 1.0, tier: 'severe' }, {}, config);
    expect(d).toMatchObject({ grams: 3, infusionHours: 3, maxDosePerPeriod: { grams: 30, periodHours: 24 } });
    expect(() => buildRuleConfig({ iv: { levelScale: [{ belowMgDl: 1.8, grams: 4, hours: 2 }] } })).toThrow(/maxGramsPerHour/);
  });

  test('a RULES_FILE may list scale rows and bags in any order: they are read lowest limit and smallest bag first', () => {
    const shuffled = buildRuleConfig({
      iv: { levelScale: [...defaultRuleConfig.iv.levelScale].reverse(), premixed: [...defaultRuleConfig.iv.premixed].reverse() },
    });
    for (const mgDl of [0.8, 1.3, 1.7, 1.9]) {
      expect(ivLevelDose({ mgDl, tier: tierOf(mgDl) }, {}, shuffled)).toEqual(ivLevelDose({ mgDl, tier: tierOf(mgDl) }, {}, defaultRuleConfig));
    }
    expect(premixedBagFor(2, shuffled)).toMatchObject({ grams: 2, mL: 50 });
    expect(premixedBagFor(3, shuffled)).toMatchObject({ grams: 4, mL: 100 });
    // Code that passes the defaults without building them gets the same order.
    expect(defaultRuleConfig.iv.levelScale.map((r) => r.belowMgDl)).toEqual(shuffled.iv.levelScale.map((r) => r.belowMgDl));
    expect(defaultRuleConfig.iv.premixed.map((b) => b.grams)).toEqual(shuffled.iv.premixed.map((b) => b.grams));
  });

  test('the premixed bag holding the dose is named; 829734 is the verified 2 g/50 mL bag', () => {
    expect(premixedBagFor(2, defaultRuleConfig)).toMatchObject({ rxnorm: '829734', grams: 2, verified: true });
    expect(premixedBagFor(4, defaultRuleConfig)).toMatchObject({ grams: 4, mL: 100 });
    expect(premixedBagFor(0.5, defaultRuleConfig).grams).toBe(2);
  });
});

describe('paediatric modifier: age in days and months, neonate (R-PED-2)', () => {
  test.each([
    ['2026-11-01', { ageDays: 21, ageMonths: 0, neonate: true, ageYears: 0 }],
    ['2026-10-25', { ageDays: 28, ageMonths: 0, neonate: false }],
    ['2026-05-22', { ageMonths: 6, neonate: false }],
    ['2025-11-23', { ageMonths: 11, ageYears: 0 }],
    ['2024-11-22', { ageMonths: 24, ageYears: 2 }],
  ])('born %s', (birthDate, expected) => {
    expect(modifiersFor([], birthDate).pediatric).toMatchObject(expected);
  });

  test('a birthDate in the future or unreadable is an unknown age', () => {
    expect(modifiersFor([], '2027-01-01').ageUnknown).toBe(true);
    expect(modifiersFor([], null).ageUnknown).toBe(true);
    // Month precision takes the youngest possible age: born later this month is not yet born.
    expect(modifiersFor([], '2026-11').ageUnknown).toBe(true);
  });
});

describe('follow-up lab orders (R-MON-1)', () => {
  test('a number of hours still gives a routine order in the configured window', () => {
    const sr = labServiceRequest('magnesium', 6, defaultRuleConfig, { patientId: 'pat-1', now: CASES_NOW }, 'after IV');
    expect(sr).toMatchObject({ priority: 'routine', occurrencePeriod: { start: '2026-11-22T18:00:00.000Z', end: '2026-11-22T20:00:00.000Z' } });
    expect(sr.occurrenceDateTime).toBeUndefined();
  });
});
