import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { assessHypomagnesemia } from '../../src/rules/replacement';
import { buildCards } from '../../src/cards/replacement';
import { defaultRuleConfig } from '../../src/rules/config';
import { assertValidResponse } from '../../src/cds/schemas';
import { CASES_NOW } from '../helpers';
import { ruleCases, type RuleCase } from './replacement.cases';

const index = buildFactIndex(defaultRuleConfig);

function run(c: RuleCase) {
  const patient: Record<string, unknown> = { resourceType: 'Patient', id: 'pat-1', gender: c.gender ?? 'female' };
  if (c.birthDate !== null) patient.birthDate = c.birthDate ?? '1960-05-01';
  const facts = extractFacts([patient as never, ...(c.resources as never[])], 'pat-1', index, CASES_NOW);
  const assessment = assessHypomagnesemia(facts, defaultRuleConfig, CASES_NOW);
  const cards = buildCards(assessment, { config: defaultRuleConfig, patientId: 'pat-1', now: CASES_NOW });
  return { assessment, cards };
}

describe('hypomagnesemia rule table', () => {
  test.each(ruleCases.map((c) => [c.desc, c] as const))('%s', (_desc, c) => {
    const { assessment, cards } = run(c);
    const e = c.expect;
    expect(assessment.kind).toBe(e.kind);
    if (e.tier) expect('tier' in assessment ? assessment.tier : undefined).toBe(e.tier);
    if (e.indicator) {
      expect(assessment.indicator).toBe(e.indicator);
      expect(cards[0]?.indicator).toBe(e.indicator);
    }
    if (e.route) {
      const route = assessment.kind === 'replacement' ? (assessment.plan?.recommended ?? 'none') : 'none';
      expect(route).toBe(e.route);
    }
    for (const id of e.rules ?? []) expect(assessment.ruleIds).toContain(id);
    for (const id of e.notRules ?? []) expect(assessment.ruleIds).not.toContain(id);
    expect(cards).toHaveLength(e.kind === 'none' ? 0 : 1);
    assertValidResponse({ cards });
    const text = JSON.stringify(cards);
    const detail = cards.map((card) => `${card.summary}\n${card.detail}`).join('\n');
    for (const pattern of e.says ?? []) expect(detail).toMatch(pattern);
    for (const pattern of e.neverSays ?? []) expect(text).not.toMatch(pattern);
  });

  test('every rule ID of clinical-rules.md §3-§4 is exercised by the table', () => {
    const ids = [
      'R-DATA-1', 'R-DATA-2', 'R-DATA-3', 'R-DATA-4', 'R-DATA-5', 'R-DATA-6', 'R-UNIT-1', 'R-UNIT-2',
      'R-CLS-1', 'R-CLS-2', 'R-CLS-3', 'R-CLS-4', 'R-SYM-1', 'R-RENAL-1', 'R-LYTE-1', 'R-LYTE-2',
      'R-PREG-1', 'R-PED-1', 'R-MED-1', 'R-MON-1', 'R-MON-2', 'R-MON-3', 'R-MON-4', 'R-HYPER-1',
    ];
    const covered = new Set(ruleCases.flatMap((c) => [...(c.desc.match(/R-[A-Z]+-\d/g) ?? []), ...(c.expect.rules ?? [])]));
    expect(ids.filter((id) => !covered.has(id))).toEqual([]);
  });

  test('the engine is deterministic: the same facts, config and now give the same assessment', () => {
    for (const c of ruleCases) expect(run(c).assessment).toEqual(run(c).assessment);
  });

  test('a dose is never suggested from a stale or uninterpretable result or for a child without a weight', () => {
    let checked = 0;
    for (const c of ruleCases) {
      const { assessment, cards } = run(c);
      const hasMedication = JSON.stringify(cards).includes('"MedicationRequest"');
      const childWithoutWeight = assessment.kind === 'replacement' && assessment.modifiers.pediatric && !assessment.modifiers.pediatric.weight;
      if (assessment.kind === 'stale' || assessment.kind === 'uninterpretable' || childWithoutWeight) {
        expect(hasMedication).toBe(false);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  test('every suggested IV rate respects the 150 mg/min limit', () => {
    let rates = 0;
    for (const c of ruleCases) {
      for (const card of run(c).cards) {
        for (const s of card.suggestions ?? []) {
          for (const a of s.actions ?? []) {
            const r = a.resource as any;
            if (r.resourceType !== 'MedicationRequest' || r.dosageInstruction[0].route.coding[0].code !== '47625008') continue;
            const dr = r.dosageInstruction[0].doseAndRate?.[0];
            const rate = dr?.rateQuantity?.value ?? dr?.rateRange?.high?.value;
            expect(rate).toBeDefined();
            expect((rate * 1000) / 60).toBeLessThanOrEqual(150);
            rates += 1;
          }
        }
      }
    }
    expect(rates).toBeGreaterThanOrEqual(30);
  });
});
