import type { Resource } from 'fhir/r4';
import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { readDraftOrders } from '../../src/clinical/draft-orders';
import { buildOrderCards } from '../../src/cards/order-check';
import { buildRuleConfig } from '../../src/rules/config';
import { assessOrders } from '../../src/rules/order-check';
import { CASES_NOW, expectValidCdsResponse, observation } from '../helpers';
import { bundle, ivDraft, sandboxDraft } from '../order-fixtures';

/** Order-check card text quotes the rule configuration in force, never the default numbers. */

const config = buildRuleConfig({ renal: { severeEgfrBelow: 20, doseFraction: 0.4, ivRecheckHours: 8 }, pediatric: { neonateBelowDays: 30 }, iv: { maxGramsPerHour: 1.5 } });
const index = buildFactIndex(config);
const mg = observation({ code: '19123-9', value: 1.5, unit: 'mg/dL', hoursAgo: 2 });

function cardText(resources: unknown[], draft: unknown = sandboxDraft({ pills: 1, frequency: 1 })): string {
  const facts = extractFacts(resources as Resource[], 'pat-1', index, CASES_NOW);
  const drafts = readDraftOrders(bundle([draft]) as { entry: Array<{ resource: unknown }> }, config);
  const assessment = assessOrders({ facts, drafts, checked: new Set(drafts.map((d) => d.position)), active: [] }, config, CASES_NOW);
  const { cards } = buildOrderCards(assessment, { config, patientId: 'pat-1', now: CASES_NOW, unavailable: [] });
  expectValidCdsResponse({ cards });
  return cards.map((c) => `${c.summary}\n${c.detail ?? ''}`).join('\n');
}

test.each([
  [
    'severe renal impairment, oral draft: the configured eGFR cut-off, dose fraction and recheck time',
    [{ resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }, mg, observation({ code: '33914-3', value: 18, unit: 'mL/min/{1.73_m2}' })],
    ['eGFR < 20', '≤ 40 %', 'recheck after 8 h'],
    undefined,
  ],
  [
    'neonate: the configured age limit',
    [{ resourceType: 'Patient', id: 'pat-1', gender: 'male', birthDate: '2026-10-25' }, mg, observation({ code: '29463-7', value: 3, unit: 'kg' })],
    ['neonates (< 30 days)'],
    undefined,
  ],
  [
    'IV rate not readable: the configured fastest rate',
    [{ resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }, mg],
    ['check it is ≤ 1.5 g/h'],
    { ...ivDraft({ grams: 4 }), dosageInstruction: [{ route: { text: 'IV' }, doseAndRate: [{ doseQuantity: { value: 4, code: 'g', system: 'http://unitsofmeasure.org' } }] }] },
  ],
])('%s', (_name, resources, phrases, draft) => {
  const text = cardText(resources as unknown[], draft);
  for (const phrase of phrases) expect(text).toContain(phrase);
});

test("the magnesium line gives the draw time in the result's own offset, labelled, as patient-view cards do (R-TXT-1)", () => {
  const offsetMg = { ...mg, effectiveDateTime: '2026-11-22T11:00:00+01:00' };
  const text = cardText([{ resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }, offsetMg]);
  expect(text).toContain('drawn 2026-11-22 11:00 UTC+01:00');
});

test('a suggested dose names its unit and route: "1 capsule (400 mg) by mouth", "g IV"', () => {
  const facts = extractFacts([{ resourceType: 'Patient', id: 'pat-1', gender: 'female', birthDate: '1960-05-01' }, observation({ code: '19123-9', value: 1.5, unit: 'mg/dL', hoursAgo: 2 })] as unknown as Resource[], 'pat-1', buildFactIndex(buildRuleConfig({})), CASES_NOW);
  const defaults = buildRuleConfig({});
  const labels = (draft: unknown) => {
    const drafts = readDraftOrders(bundle([draft]) as { entry: Array<{ resource: unknown }> }, defaults);
    const assessment = assessOrders({ facts, drafts, checked: new Set(drafts.map((d) => d.position)), active: [] }, defaults, CASES_NOW);
    const { cards } = buildOrderCards(assessment, { config: defaults, patientId: 'pat-1', now: CASES_NOW, unavailable: [] });
    return cards.flatMap((c) => (c.suggestions ?? []).map((s) => s.label));
  };
  expect(labels(sandboxDraft({ pills: 3, frequency: 3 }))).toContain('Change to 1 capsule (400 mg) by mouth twice daily (≈ 19.8 mmol/day)');
  const ivLabels = labels(ivDraft({ grams: 4, hours: 0.25 }));
  expect(ivLabels).toContain('Give 4 g IV at 1 g/h (over 4 h)');
  for (const label of ivLabels.filter((l) => /^(Give|Change to|Run)/.test(l))) expect(label).toMatch(/ g IV | mg IV |IV infusion/);
});
