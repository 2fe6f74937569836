import type { Resource } from 'fhir/r4';
import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { readActiveMagnesiumOrders, readDraftOrders } from '../../src/clinical/draft-orders';
import { buildRuleConfig } from '../../src/rules/config';
import { assessOrders, type OrderFindingKind } from '../../src/rules/order-check';
import { CASES_NOW, condition, observation } from '../helpers';
import { bundle, ivDraft, sandboxDraft } from '../order-fixtures';

/**
 * R-OS-1 … R-OS-11 from a table: each row is a patient (labs, conditions, age), the drafts and
 * active orders, and the finding kinds expected (with indicators), on both sides of every
 * threshold: 150 mg/min, 1 g/h, 50 % renal dose, 20 g/48 h, 40 g/24 h, the per-kg maximum, 72 h.
 */

const config = buildRuleConfig();
const index = buildFactIndex(config);
const mg = (value: number, hoursAgo = 2) => observation({ code: '19123-9', value, unit: 'mg/dL', hoursAgo });
const egfr = (value: number) => observation({ code: '33914-3', value, unit: 'mL/min/{1.73_m2}' });
const weight = (kg: number) => observation({ code: '29463-7', value: kg, unit: 'kg' });
const ADULT = { resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' };
const CHILD = { resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '2020-01-01' };
const NEONATE = { resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '2026-11-10' };
const TORSADES = condition({ snomed: '31722008' });
const PREGNANT = condition({ snomed: '77386006' });
const oral = (pills: number, frequency: number, text?: string) => sandboxDraft({ pills, frequency, ...(text ? { text } : {}) });

interface Row {
  name: string;
  resources: unknown[];
  drafts: unknown[];
  active?: unknown[];
  /** order-select: the ids checked; absent = order-sign (all drafts). */
  selections?: string[];
  expected: Array<[OrderFindingKind, 'info' | 'warning' | 'critical']>;
}

const rows: Row[] = [
  // R-OS-1 / R-OS-2: 150 mg/min and 1 g/h (4 g in 26.67 min = 150 mg/min = 9 g/h)
  { name: 'R-OS-1 at 150 mg/min exactly: not above the ceiling, but above 1 g/h', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 4, mgPerMinute: 150 })], expected: [['rate-above-hourly', 'info']] },
  { name: 'R-OS-1 at 151 mg/min: critical', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 4, mgPerMinute: 151 })], expected: [['rate-above-ceiling', 'critical']] },
  { name: 'R-OS-1 from dose ÷ duration: 2 g over 10 min (200 mg/min)', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 2, hours: 1 / 6 })], expected: [['rate-above-ceiling', 'critical']] },
  { name: 'R-OS-1 exception: torsades recorded', resources: [ADULT, mg(1.5), TORSADES], drafts: [ivDraft({ grams: 2, hours: 5 / 60 })], expected: [] },
  { name: 'R-OS-2 at 1 g/h exactly: nothing', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 4, gramsPerHour: 1 })], expected: [] },
  { name: 'R-OS-2 at 1.1 g/h: info', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 4, gramsPerHour: 1.1 })], expected: [['rate-above-hourly', 'info']] },
  { name: 'IV without rate or duration: named, not guessed', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ grams: 2 })], expected: [['rate-unreadable', 'info']] },
  // R-OS-3
  { name: 'R-OS-3 Mg 1.79: low, no card', resources: [ADULT, mg(1.79)], drafts: [oral(1, 2)], expected: [] },
  { name: 'R-OS-3 Mg 1.8: normal, info', resources: [ADULT, mg(1.8)], drafts: [oral(1, 2)], expected: [['magnesium-normal', 'info']] },
  { name: 'R-OS-3 Mg normal with renal impairment: warning', resources: [ADULT, mg(2.0), egfr(25)], drafts: [oral(1, 1)], expected: [['magnesium-normal', 'warning']] },
  { name: 'R-OS-3 Mg 2.0 normal, 1 capsule once daily (below the usual range): confirm the indication, no card to raise the dose', resources: [ADULT, mg(2.0)], drafts: [oral(1, 1)], expected: [['magnesium-normal', 'info']] },
  { name: 'R-OS-3 Mg 3.0 high, 1 capsule once daily: do not give, no card to raise the dose', resources: [ADULT, mg(3.0)], drafts: [oral(1, 1)], expected: [['magnesium-high', 'warning']] },
  { name: 'R-OS-3 Mg 3.0 high, 3 capsules three times daily: only "do not give", no usual dose suggested', resources: [ADULT, mg(3.0)], drafts: [oral(3, 3)], expected: [['magnesium-high', 'warning']] },
  { name: 'R-OS-3 Mg 2.0 normal, 3 capsules three times daily: the above-range card stays', resources: [ADULT, mg(2.0)], drafts: [oral(3, 3)], expected: [['magnesium-normal', 'info'], ['oral-above-range', 'warning']] },
  { name: 'R-OS-3 Mg 2.6: still normal', resources: [ADULT, mg(2.6)], drafts: [oral(1, 2)], expected: [['magnesium-normal', 'info']] },
  { name: 'R-OS-3 Mg 2.7: high, warning', resources: [ADULT, mg(2.7)], drafts: [oral(1, 2)], expected: [['magnesium-high', 'warning']] },
  { name: 'R-OS-3 Mg 4.0: high, critical', resources: [ADULT, mg(4.0)], drafts: [oral(1, 2)], expected: [['magnesium-high', 'critical']] },
  // R-OS-4: 72 h
  { name: 'R-OS-4 Mg 71 h old: fresh', resources: [ADULT, mg(1.5, 71)], drafts: [oral(1, 2)], expected: [] },
  { name: 'R-OS-4 Mg 73 h old: no recent level', resources: [ADULT, mg(1.5, 73)], drafts: [oral(1, 2)], expected: [['no-recent-level', 'info']] },
  { name: 'R-OS-4 no Mg at all', resources: [ADULT], drafts: [oral(1, 2)], expected: [['no-recent-level', 'info']] },
  // R-OS-5: renal (eGFR 25, Mg 1.5 → level dose 4 g, halved to 2 g); 20 g/48 h
  { name: 'R-OS-5 renal dose 2 g (= 50 %): nothing', resources: [ADULT, mg(1.5), egfr(25)], drafts: [ivDraft({ grams: 2, hours: 4 })], expected: [] },
  { name: 'R-OS-5 renal dose 2.5 g (> 50 %): warning', resources: [ADULT, mg(1.5), egfr(25)], drafts: [ivDraft({ grams: 2.5, hours: 4 })], expected: [['renal-dose', 'warning']] },
  { name: 'R-OS-5 renal, no level: 20 g in 48 h is allowed', resources: [ADULT, egfr(25)], drafts: [ivDraft({ grams: 2, hours: 2, everyHours: 4.8 })], expected: [['no-recent-level', 'info']] },
  { name: 'R-OS-5 renal, no level: 22 g in 48 h is above 20 g', resources: [ADULT, egfr(25)], drafts: [ivDraft({ grams: 2, hours: 2, everyHours: 4 })], expected: [['no-recent-level', 'info'], ['renal-48h', 'warning']] },
  { name: 'R-OS-5 oral, renal: 1 capsule daily (≈ 9.9 mmol ≤ 12): nothing', resources: [ADULT, mg(1.5), egfr(25)], drafts: [oral(1, 1)], expected: [] },
  { name: 'R-OS-5 oral, renal: 2 capsules daily (≈ 19.8 mmol > 12): warning', resources: [ADULT, mg(1.5), egfr(25)], drafts: [oral(1, 2)], expected: [['renal-dose', 'warning']] },
  { name: 'R-OS-5 oral, severe renal (eGFR 12): no oral magnesium', resources: [ADULT, mg(1.5), egfr(12)], drafts: [oral(1, 1)], expected: [['renal-dose', 'warning']] },
  // R-OS-6
  { name: 'R-OS-6 active oral order of the same route', resources: [ADULT, mg(1.5)], drafts: [oral(1, 2)], active: [{ ...oral(1, 2), id: 'active-1', status: 'active' }], expected: [['duplicate', 'warning']] },
  { name: 'R-OS-6 active IV order does not duplicate an oral draft', resources: [ADULT, mg(1.5)], drafts: [oral(1, 2)], active: [ivDraft({ id: 'a', grams: 2, hours: 2, status: 'active' })], expected: [] },
  { name: 'R-OS-6 two IV drafts: the later one is the duplicate', resources: [ADULT, mg(1.5)], drafts: [ivDraft({ id: 'x', grams: 2, hours: 2 }), ivDraft({ id: 'y', grams: 2, hours: 2 })], expected: [['duplicate', 'warning']] },
  // R-OS-7: child 10 kg → max 500 mg per dose
  { name: 'R-OS-7 child 10 kg, 500 mg: at the per-kg maximum', resources: [CHILD, mg(1.5), weight(10)], drafts: [ivDraft({ grams: 0.5, hours: 2 })], expected: [] },
  { name: 'R-OS-7 child 10 kg, 510 mg: above 50 mg/kg, critical', resources: [CHILD, mg(1.5), weight(10)], drafts: [ivDraft({ grams: 0.51, hours: 2 })], expected: [['child-dose-above-max', 'critical']] },
  { name: 'R-OS-7 child 60 kg, 2.5 g: above the 2 g cap', resources: [CHILD, mg(1.5), weight(60)], drafts: [ivDraft({ grams: 2.5, hours: 3 })], expected: [['child-dose-above-max', 'critical']] },
  { name: 'R-OS-7 child without weight: warning', resources: [CHILD, mg(1.5)], drafts: [ivDraft({ grams: 0.5, hours: 2 })], expected: [['child-no-weight', 'warning']] },
  // R-OS-7 oral (no paediatric oral range in the rules): named as not checked, the adult maximum (R-ORAL-2) and renal limits (R-RENAL-1/3) still apply
  { name: 'R-OS-7 child 25 kg, MgO 400 mg 1 twice daily: info, dose by paediatric formulary', resources: [CHILD, mg(1.5), weight(25)], drafts: [oral(1, 2)], expected: [['child-oral-unchecked', 'info']] },
  { name: 'R-OS-7 child 25 kg, MgO 400 mg once daily (below the adult range): info only, no adult increase', resources: [CHILD, mg(1.5), weight(25)], drafts: [oral(1, 1)], expected: [['child-oral-unchecked', 'info']] },
  { name: 'R-OS-7 child 25 kg, MgO 400 mg 5 four times daily (≈ 198 mmol/day): above the adult maximum, warning', resources: [CHILD, mg(1.5), weight(25)], drafts: [oral(5, 4)], expected: [['child-oral-above-adult-max', 'warning']] },
  { name: 'R-OS-7 child 25 kg with eGFR 25, MgO 5 four times daily: renal limit applies at any age', resources: [CHILD, mg(1.5), weight(25), egfr(25)], drafts: [oral(5, 4)], expected: [['renal-dose', 'warning']] },
  { name: 'R-OS-7 child without weight, oral: the no-weight warning only', resources: [CHILD, mg(1.5)], drafts: [oral(1, 2)], expected: [['child-no-weight', 'warning']] },
  { name: 'R-OS-7 neonate, oral: specialist review only', resources: [NEONATE, mg(1.5), weight(3)], drafts: [oral(1, 1)], expected: [['neonate', 'warning']] },
  { name: 'R-OS-5 child 10 kg with eGFR 25, IV 500 mg: above the halved per-kg level dose, warning', resources: [CHILD, mg(1.5), weight(10), egfr(25)], drafts: [ivDraft({ grams: 0.5, hours: 2 })], expected: [['renal-dose', 'warning']] },
  { name: 'R-OS-7 child 10 kg with eGFR 25, IV 510 mg: the per-kg card (its update is the renal dose), no second renal card', resources: [CHILD, mg(1.5), weight(10), egfr(25)], drafts: [ivDraft({ grams: 0.51, hours: 2 })], expected: [['child-dose-above-max', 'critical']] },
  { name: 'R-OS-7 neonate: specialist review', resources: [NEONATE, mg(1.5), weight(3)], drafts: [ivDraft({ grams: 0.1, hours: 2 })], expected: [['neonate', 'warning']] },
  // R-OS-8: 40 g/24 h
  { name: 'R-OS-8 40 g in 24 h: at the cap', resources: [ADULT, mg(1.1)], drafts: [ivDraft({ grams: 4, hours: 4, everyHours: 2.4 })], expected: [] },
  { name: 'R-OS-8 42 g in 24 h (drafts + active IV): critical', resources: [ADULT, mg(1.1)], drafts: [ivDraft({ grams: 4, hours: 4, everyHours: 2.4 })], active: [ivDraft({ id: 'a', grams: 2, hours: 2, status: 'active' })], expected: [['duplicate', 'warning'], ['above-24h-max', 'critical']] },
  // R-OS-9
  { name: 'R-OS-9 pregnancy, 5 days: nothing', resources: [ADULT, mg(1.5), PREGNANT], drafts: [ivDraft({ grams: 1, gramsPerHour: 1, days: 5 })], expected: [] },
  { name: 'R-OS-9 pregnancy, 6 days: warning', resources: [ADULT, mg(1.5), PREGNANT], drafts: [ivDraft({ grams: 1, gramsPerHour: 1, days: 6 })], expected: [['pregnancy-infusion', 'warning']] },
  // R-OS-10
  { name: 'R-OS-10 oral at Mg 1.2: not severe', resources: [ADULT, mg(1.2)], drafts: [oral(1, 2)], expected: [] },
  { name: 'R-OS-10 oral at Mg 1.19: severe, critical', resources: [ADULT, mg(1.19)], drafts: [oral(1, 2)], expected: [['oral-in-severe', 'critical']] },
  { name: 'R-OS-10 oral with an IV draft beside it: not oral-only', resources: [ADULT, mg(1.0)], drafts: [oral(1, 2), ivDraft({ grams: 4, hours: 4 })], expected: [] },
  // R-OS-11: MgO 400 mg ≈ 9.9 mmol per capsule
  { name: 'R-OS-11 1 capsule daily (≈ 9.9 mmol): below the range', resources: [ADULT, mg(1.5)], drafts: [oral(1, 1)], expected: [['oral-below-range', 'info']] },
  { name: 'R-OS-11 2 capsules daily (≈ 19.8 mmol): in range', resources: [ADULT, mg(1.5)], drafts: [oral(1, 2)], expected: [] },
  { name: 'R-OS-11 3 capsules daily (≈ 29.8 mmol): above the range', resources: [ADULT, mg(1.5)], drafts: [oral(1, 3)], expected: [['oral-above-range', 'warning']] },
  { name: 'R-OS-11 strength not readable', resources: [ADULT, mg(1.5)], drafts: [sandboxDraft({ text: 'Magnesium Oxide Oral Capsule', code: '0' })], expected: [['dose-unreadable', 'info']] },
  { name: 'R-OS-11 strength from the product table (RxNorm 198741, no text)', resources: [ADULT, mg(1.5)], drafts: [{ ...oral(1, 3), medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '198741' }] } }], expected: [['oral-above-range', 'warning']] },
  // order-select
  { name: 'order-select: only the selection is checked', resources: [ADULT, mg(1.5)], drafts: [{ ...oral(1, 1), id: 'sel' }, ivDraft({ id: 'other', grams: 4, mgPerMinute: 300 })], selections: ['sel'], expected: [['oral-below-range', 'info']] },
];

describe('order checks R-OS-1 … R-OS-11', () => {
  test.each(rows)('$name', (row) => {
    const facts = extractFacts(row.resources as Resource[], 'pat-1', index, CASES_NOW);
    const drafts = readDraftOrders(bundle(row.drafts) as { entry: Array<{ resource: unknown }> }, config);
    const checked = new Set(drafts.filter((d) => !row.selections || row.selections.includes(d.resource.id ?? '')).map((d) => d.position));
    const active = readActiveMagnesiumOrders((row.active ?? []) as Resource[], 'pat-1', new Set(), config);
    const result = assessOrders({ facts, drafts, checked, active }, config, CASES_NOW);
    expect(result.findings.map((f) => [f.kind, f.indicator])).toEqual(row.expected);
  });

  test('the same input gives the same findings', () => {
    const facts = extractFacts([ADULT, mg(1.0)] as Resource[], 'pat-1', index, CASES_NOW);
    const drafts = readDraftOrders(bundle([oral(1, 3), ivDraft({ grams: 4, mgPerMinute: 200 })]) as { entry: Array<{ resource: unknown }> }, config);
    const run = () => assessOrders({ facts, drafts, checked: new Set([0, 1]), active: [] }, config, CASES_NOW);
    expect(run()).toEqual(run());
  });
});
