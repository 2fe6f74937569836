import { buildFactIndex, extractFacts } from '../../src/clinical/facts';
import { assessHypomagnesemia } from '../../src/rules/replacement';
import { buildCards } from '../../src/cards/replacement';
import { buildRuleConfig, defaultRuleConfig } from '../../src/rules/config';
import { assertValidResponse } from '../../src/cds/schemas';
import { CASES_NOW, condition, observation } from '../helpers';
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
    if (e.drafts) {
      const routes = cards.flatMap((card) => card.suggestions ?? []).flatMap((sg) => sg.actions ?? [])
        .map((a) => a.resource as any).filter((r) => r?.resourceType === 'MedicationRequest')
        .map((r) => (r.dosageInstruction[0].route.coding[0].code === '47625008' ? 'iv' : 'oral'));
      expect(routes).toEqual(e.drafts);
    }
    const labels = cards.flatMap((card) => card.suggestions ?? []).map((sg) => sg.label).join('\n');
    for (const pattern of e.labels ?? []) expect(labels).toMatch(pattern);
  });

  test('every rule ID of clinical-rules.md §3-§4 and §9.1 is exercised by the table', () => {
    const ids = [
      'R-DATA-1', 'R-DATA-2', 'R-DATA-3', 'R-DATA-4', 'R-DATA-5', 'R-DATA-6', 'R-UNIT-1', 'R-UNIT-2',
      'R-CLS-1', 'R-CLS-2', 'R-CLS-3', 'R-CLS-4', 'R-SYM-1', 'R-RENAL-1', 'R-LYTE-1', 'R-LYTE-2',
      'R-PREG-1', 'R-PED-1', 'R-MED-1', 'R-MON-1', 'R-MON-2', 'R-MON-3', 'R-MON-4', 'R-HYPER-1',
      // §9.1, rule set 2026.12-2
      'R-ORD-1', 'R-ORD-2', 'R-ALT-1', 'R-IV-2', 'R-ORAL-2', 'R-GI-1', 'R-DIG-1', 'R-CARD-1', 'R-LYTE-3',
      'R-RENAL-3', 'R-PED-2', 'R-PED-3', 'R-HYPER-2', 'R-DATA-8', 'R-DATA-9', 'R-TXT-1',
    ];
    const covered = new Set(ruleCases.flatMap((c) => [...(c.desc.match(/R-[A-Z]+-\d/g) ?? []), ...(c.expect.rules ?? [])]));
    expect(ids.filter((id) => !covered.has(id))).toEqual([]);
  });

  test('R-CARD-1 is a site setting: switched off, a cardiac patient with Mg 1.9 gets no card', () => {
    const config = buildRuleConfig({ cardiac: { enabled: false } });
    const resources = [observation({ code: '19123-9', value: 1.9, unit: 'mg/dL' }), condition({ snomed: '49436004' })];
    const facts = extractFacts([{ resourceType: 'Patient', id: 'pat-1', birthDate: '1960-05-01' } as never, ...(resources as never[])], 'pat-1', buildFactIndex(config), CASES_NOW);
    expect(assessHypomagnesemia(facts, config, CASES_NOW).kind).toBe('none');
    expect(assessHypomagnesemia(facts, defaultRuleConfig, CASES_NOW).kind).toBe('cardiac-target');
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
            for (const dosage of r.dosageInstruction) {
              const q = dosage.doseAndRate?.[0]?.rateQuantity;
              expect(q).toBeDefined();
              const mgPerMinute = ((q.code === 'mg/h' ? q.value : q.value * 1000) / 60);
              // Torsades de pointes or arrest is the one label exception (R-IV-2).
              if (/torsades|arrest/.test(dosage.text) && dosage.timing.repeat.duration <= 5) continue;
              expect(mgPerMinute).toBeLessThanOrEqual(150);
              // Outside the emergency dose, R-IV-2 keeps every infusion at or below 1 g/h.
              if (dosage.timing.repeat.duration > 15) expect(mgPerMinute).toBeLessThanOrEqual(1000 / 60 + 1e-9);
              rates += 1;
            }
          }
        }
      }
    }
    expect(rates).toBeGreaterThanOrEqual(30);
  });

  const all = () => ruleCases.map((c) => ({ c, ...run(c) }));

  test('R-TXT-1: a replacement card with at most two modifiers keeps its detail within 1,200 characters', () => {
    let checked = 0;
    for (const { c, cards, assessment } of all()) {
      if (assessment.kind !== 'replacement') continue;
      const detail = cards[0]!.detail!;
      const modifiers = detail.split('**Plan**')[0]!.split('\n').filter((l) => l.startsWith('- **')).length;
      if (modifiers > 2) continue;
      expect([c.desc, detail.length]).toEqual([c.desc, Math.min(detail.length, defaultRuleConfig.display.detailMaxChars)]);
      checked += 1;
    }
    expect(checked).toBeGreaterThanOrEqual(60);
  });

  test('R-TXT-1: the headline comes first, no bullet starts in lower case, no rule IDs or "inpatient" in the text', () => {
    for (const { c, cards } of all()) {
      for (const card of cards) {
        const detail = card.detail ?? '';
        if (card.summary.includes('hypomagnesemia') && !card.summary.includes('old result')) expect([c.desc, detail.split('\n')[0]]).toEqual([c.desc, expect.stringMatching(/^\*\*Serum magnesium /)]);
        for (const line of detail.split('\n').filter((l) => l.startsWith('- '))) expect([c.desc, line]).toEqual([c.desc, expect.stringMatching(/^- (?:[^a-z]|eGFR)/)]);
        expect(`${card.summary}\n${detail}`).not.toMatch(/\bR-[A-Z]+-\d/);
        expect(`${card.summary}\n${detail}`).not.toMatch(/inpatient|Oral Tablet| MG (?!\/)/);
        const ext = card.extension?.['org.magnesium-cds.assessment'] as { ruleSet: string; ruleIds: string[] };
        expect(ext.ruleSet).toBe('2026.12-2');
        expect(ext.ruleIds.length).toBeGreaterThan(0);
      }
    }
  });

  test('R-OVR-1: override reasons use the HL7 non-adherence reason codes where one fits', () => {
    const card = run(ruleCases[5]!).cards[0]!;
    const codes = card.overrideReasons!.map((r) => `${r.system}|${r.code}`);
    for (const code of ['indication-order-exists', 'action-completed', 'patient-contraindication', 'risk-benefit-ratio', 'need-more-info']) {
      expect(codes).toContain(`http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes|${code}`);
    }
  });

  test('follow-up ServiceRequests carry a priority and an occurrence window, never a fixed instant', () => {
    let n = 0;
    for (const { cards } of all()) {
      for (const a of cards.flatMap((card) => card.suggestions ?? []).flatMap((sg) => sg.actions ?? [])) {
        const r = a.resource as any;
        if (r?.resourceType !== 'ServiceRequest') continue;
        expect(['routine', 'urgent', 'stat']).toContain(r.priority);
        expect(r.occurrenceDateTime).toBeUndefined();
        expect(Date.parse(r.occurrencePeriod.end)).toBeGreaterThan(Date.parse(r.occurrencePeriod.start));
        expect(Date.parse(r.occurrencePeriod.start)).toBeGreaterThanOrEqual(CASES_NOW.getTime());
        n += 1;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  test('R-IV-3: every IV draft names a premixed product, doses in g (mg below 1 g for a weight-based dose), a maxDosePerPeriod and mmol', () => {
    let n = 0;
    const products = new Set(defaultRuleConfig.iv.premixed.map((p) => p.rxnorm));
    for (const { c, cards, assessment } of all()) {
      for (const a of cards.flatMap((card) => card.suggestions ?? []).flatMap((sg) => sg.actions ?? [])) {
        const r = a.resource as any;
        if (r?.resourceType !== 'MedicationRequest' || r.dosageInstruction[0].route.coding[0].code !== '47625008') continue;
        expect(products.has(r.medicationCodeableConcept.coding[0].code)).toBe(true);
        const main = r.dosageInstruction[r.dosageInstruction.length - 1];
        const dose = main.doseAndRate[0].doseQuantity;
        expect(['g', 'mg']).toContain(dose.code);
        if (dose.code === 'mg') expect([c.desc, dose.value]).toEqual([c.desc, expect.any(Number)]);
        if (dose.code === 'mg') expect(dose.value).toBeLessThan(1000);
        if (dose.code === 'mg') expect(dose.value % 10).toBe(0);
        expect(main.doseAndRate[0].rateQuantity.code).toBe(dose.code === 'mg' ? 'mg/h' : 'g/h');
        expect(main.maxDosePerPeriod.numerator.code).toBe('g');
        expect(main.text).toMatch(/mmol/);
        const renal = assessment.kind === 'replacement' && assessment.modifiers.renal !== undefined;
        const child = assessment.kind === 'replacement' && assessment.modifiers.pediatric !== undefined;
        if (!child) expect(main.maxDosePerPeriod).toMatchObject(renal ? { numerator: { value: 20 }, denominator: { value: 48 } } : { numerator: { value: 40 }, denominator: { value: 24 } });
        if (child) expect(main.text).not.toMatch(/150 mg\/min/);
        n += 1;
      }
    }
    expect(n).toBeGreaterThan(60);
  });

  test('R-HYPER-2: the high-magnesium card is about hypermagnesemia and stops each active magnesium order', () => {
    const facts = extractFacts(
      [
        { resourceType: 'Patient', id: 'pat-1', birthDate: '1960-05-01' } as never,
        observation({ code: '19123-9', value: 4.5, unit: 'mg/dL' }) as never,
        { resourceType: 'MedicationRequest', id: 'mr-7', status: 'active', intent: 'order', medicationCodeableConcept: { text: 'magnesium oxide 400 MG Oral Tablet' }, subject: { reference: 'Patient/pat-1' } } as never,
      ],
      'pat-1', index, CASES_NOW,
    );
    const [card] = buildCards(assessHypomagnesemia(facts, defaultRuleConfig, CASES_NOW), { config: defaultRuleConfig, patientId: 'pat-1', now: CASES_NOW });
    expect(card!.source.topic).toMatchObject({ system: 'http://snomed.info/sct', code: '66978005' });
    expect(card!.suggestions![0]!.actions![0]).toMatchObject({ type: 'delete', resourceId: 'MedicationRequest/mr-7' });
    expect(card).toMatchObject({ selectionBehavior: 'at-most-one', suggestions: [{ isRecommended: true }] });
    expect(card!.detail).toMatch(/Stop magnesium sources\*\*: magnesium oxide 400 mg tablet/);
    assertValidResponse({ cards: [card!] });
  });

  test('R-HYPER-2: two active magnesium orders are stopped by one recommended suggestion', () => {
    const order = (id: string, text: string) => ({ resourceType: 'MedicationRequest', id, status: 'active', intent: 'order', medicationCodeableConcept: { text }, subject: { reference: 'Patient/pat-1' } }) as never;
    const facts = extractFacts(
      [
        { resourceType: 'Patient', id: 'pat-1', birthDate: '1960-05-01' } as never,
        observation({ code: '19123-9', value: 3.1, unit: 'mg/dL' }) as never,
        order('mr-7', 'magnesium oxide 400 MG Oral Tablet'),
        order('mr-8', 'magnesium sulfate 2 g in 50 mL water'),
      ],
      'pat-1', index, CASES_NOW,
    );
    const [card] = buildCards(assessHypomagnesemia(facts, defaultRuleConfig, CASES_NOW), { config: defaultRuleConfig, patientId: 'pat-1', now: CASES_NOW });
    expect(card!.selectionBehavior).toBe('at-most-one');
    expect(card!.suggestions).toHaveLength(1);
    expect(card!.suggestions![0]).toMatchObject({ isRecommended: true, label: 'Stop the 2 active magnesium orders' });
    expect(card!.suggestions![0]!.actions!.map((x) => x.resourceId)).toEqual(['MedicationRequest/mr-7', 'MedicationRequest/mr-8']);
    assertValidResponse({ cards: [card!] });
  });

  test('R-ORD-2: administrations not obtained are named on a card that suggests a dose, not on a recheck-only card', () => {
    const dose = run(ruleCases[5]!);
    const withNote = buildCards(dose.assessment, { config: defaultRuleConfig, patientId: 'pat-1', now: CASES_NOW, unavailable: ['administrations'] });
    expect(withNote[0]!.detail).toMatch(/administrations could not be obtained/);
    expect(withNote[0]!.extension!['org.magnesium-cds.assessment']).toMatchObject({ ruleIds: expect.arrayContaining(['R-ORD-2']) });
    const stale = ruleCases.find((c) => c.expect.kind === 'stale')!;
    const staleCards = buildCards(run(stale).assessment, { config: defaultRuleConfig, patientId: 'pat-1', now: CASES_NOW, unavailable: ['administrations'] });
    expect(staleCards[0]!.detail).not.toMatch(/administrations/);
  });

  test('R-TXT-1: a configured display time zone is used and labelled', () => {
    const config = buildRuleConfig({ display: { timeZone: 'America/New_York' } });
    const facts = extractFacts([{ resourceType: 'Patient', id: 'pat-1', birthDate: '1960-05-01' } as never, observation({ code: '19123-9', value: 1.5, unit: 'mg/dL' }) as never], 'pat-1', index, CASES_NOW);
    const [card] = buildCards(assessHypomagnesemia(facts, config, CASES_NOW), { config, patientId: 'pat-1', now: CASES_NOW });
    expect(card!.detail).toMatch(/drawn 2026-11-22 05:00 America\/New_York/);
    expect(() => buildRuleConfig({ display: { timeZone: 'Mars/Olympus' } })).toThrow(/time zone/);
  });
});
