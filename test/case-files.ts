import request from 'supertest';
import { readdirSync } from 'node:fs';
import type { Express } from 'express';
import type { CdsResponse } from '../src/cds/schemas';
import { CASES_NOW, expectValidCdsResponse, readJson, testApp } from './helpers';
import { outcomeOf } from './case-oracle';

/**
 * Runs one case file of a rule-set-2-style case folder (expected.json with draft_routes, detail_says,
 * never_says, rule_ids) through HTTP and checks the outcome and the client contract of DESIGN.md §2.
 * Shared by the rule-set-2 sample cases and the review cases.
 */
type Card = CdsResponse['cards'][number];

const ASSESSMENT = 'org.magnesium-cds.assessment';
/** R-TXT-1: the rules that add a "what changes the plan" modifier to a replacement card. */
const MODIFIER_RULES = ['R-RENAL-1', 'R-RENAL-3', 'R-LYTE-1', 'R-LYTE-2', 'R-PREG-1', 'R-MED-1', 'R-DIG-1', 'R-ORD-1', 'R-ORD-2', 'R-GI-1', 'R-SYM-1', 'R-PED-1'];
const ROUTES: Record<string, string> = { '47625008': 'iv', '26643006': 'oral' };

export const draftRoutes = (cards: Card[]) =>
  cards
    .flatMap((c) => c.suggestions ?? [])
    .flatMap((s) => s.actions ?? [])
    .map((a) => a.resource as any)
    .filter((r) => r?.resourceType === 'MedicationRequest')
    .map((r) => ROUTES[r.dosageInstruction[0].route.coding[0].code] ?? 'unknown');

/** DESIGN.md §2 and R-IV-3/R-TXT-1: what every card and suggestion must carry. */
export function expectCardContract(card: Card): void {
  const summary = card.summary;
  expect(summary.length).toBeLessThan(140);
  expect(card.extension?.[ASSESSMENT]).toMatchObject({ ruleSet: '2026.12-2' });
  const hypo = /hypomagnesemia/i.test(summary) && !/hypermagnesemia/i.test(summary);
  if (hypo && /\b(mild|moderate|severe)\b/i.test(summary)) {
    expect(summary).toMatch(/[<>]?\s?\d+(\.\d+)? (mg\/dL|mmol\/L|meq\/L|mEq\/L)/);
  }
  const suggestions = card.suggestions ?? [];
  if (suggestions.length > 0) {
    expect(card.selectionBehavior).toBe('at-most-one');
    expect(suggestions.filter((s) => s.isRecommended)).toHaveLength(1);
  }
  for (const suggestion of suggestions) {
    expect(suggestion.uuid).toMatch(/^[0-9a-f-]{36}$/);
    for (const resource of (suggestion.actions ?? []).map((a) => a.resource as any).filter(Boolean)) {
      if (resource.resourceType === 'MedicationRequest') {
        expect(resource.status).toBe('draft');
        expect(resource.medicationCodeableConcept.coding[0].system).toBe('http://www.nlm.nih.gov/research/umls/rxnorm');
        const dosage = resource.dosageInstruction[0];
        expect(['47625008', '26643006']).toContain(dosage.route.coding[0].code);
        expect(dosage.route.coding[0].system).toBe('http://snomed.info/sct');
        expect(dosage.doseAndRate[0].doseQuantity.value).toBeGreaterThan(0);
        if (ROUTES[dosage.route.coding[0].code] === 'iv') expect(dosage.doseAndRate[0].rateQuantity.value).toBeGreaterThan(0);
        else expect(dosage.timing.repeat.frequency).toBeGreaterThan(0);
      }
    }
    if (hypo && suggestion.actions?.some((a) => (a.resource as any)?.resourceType === 'MedicationRequest')) {
      expect(suggestion.actions.some((a) => (a.resource as any)?.resourceType === 'ServiceRequest')).toBe(true);
    }
  }
  const ruleIds = (card.extension?.[ASSESSMENT] as { ruleIds: string[] }).ruleIds;
  if (hypo && ruleIds.filter((id) => MODIFIER_RULES.includes(id)).length <= 2) expect((card.detail ?? '').length).toBeLessThanOrEqual(1200);
}

export async function expectCase(app: Express, dir: string, expected: any, file: string): Promise<CdsResponse> {
  const res = await request(app).post('/cds-services/hypomagnesemia').send(readJson(dir, file));
  expect(res.status).toBe(200);
  const body = expectValidCdsResponse(res.body);
  const { rule_ids: ruleIds, description: _d, draft_routes: routes, detail_says: says, never_says: never, ...want } = expected.cases[file];
  expect(outcomeOf(body)).toEqual(want);
  expect(draftRoutes(body.cards)).toEqual(routes);
  const text = body.cards.map((c) => `${c.summary}\n${c.detail ?? ''}`).join('\n');
  for (const pattern of says as string[]) expect(text).toMatch(new RegExp(pattern));
  for (const pattern of never as string[]) expect(JSON.stringify(body)).not.toMatch(new RegExp(pattern));
  const fired = body.cards.flatMap((c) => (c.extension?.[ASSESSMENT] as { ruleIds: string[] }).ruleIds);
  expect(fired).toEqual(expect.arrayContaining(ruleIds));
  for (const card of body.cards) expectCardContract(card);
  return body;
}

/**
 * The case-folder test: the folder's files match expected.json, the cases use the reference instant,
 * and every file passes expectCase. Returns the app for further tests on the same folder.
 */
export function describeCaseFolder(title: string, dir: string, filePattern: RegExp): { app: Express; dir: string } {
  const expected = readJson(dir, 'expected.json');
  const caseFiles = readdirSync(dir).filter((f) => filePattern.test(f));
  const { app } = testApp({ now: () => new Date(expected._about.now) });
  describe(title, () => {
    test('the cases use the reference instant and every file has an expected outcome', () => {
      expect(new Date(expected._about.now).getTime()).toBe(CASES_NOW.getTime());
      expect(caseFiles.sort()).toEqual(Object.keys(expected.cases).sort());
    });
    test.each(caseFiles)('%s', async (file) => {
      await expectCase(app, dir, expected, file);
    });
  });
  return { app, dir };
}
