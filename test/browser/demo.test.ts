import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { defaultRuleConfig } from '../../src/rules/config';
import { pick as pickOn, RESULTS, startDemo, type DemoHarness } from './demo-server';

/**
 * The demo page in a real browser against the real app, at 1280 × 800: pick patients, read the
 * rendered cards, click a suggestion, read its order summary, dismiss a card, and keep a
 * screenshot in test-results/.
 */

jest.setTimeout(60_000);

const RED = 'rgb(198, 40, 40)';

let demo: DemoHarness;
let page: Page;
let base: string;
let store: DemoHarness['store'];
let problems: string[];

beforeAll(async () => {
  demo = await startDemo();
  ({ base, store, problems } = demo);
  page = await demo.openPage({ width: 1280, height: 800 });
});

afterAll(async () => {
  await demo?.close();
});

const pick = (id: string) => pickOn(page, id);

const summaries = () => page.locator('.cds-card .card-summary').allTextContents();

test('the page lists the sample patients and shows the hook request it sends', async () => {
  await page.goto(`${base}/`);
  await page.waitForSelector('#cards[data-patient]:not([data-patient=""])');
  expect(await page.locator('#patients button').count()).toBeGreaterThanOrEqual(10);
  expect(await page.textContent('#service')).toContain('/cds-services/hypomagnesemia');
  const sent = JSON.parse((await page.textContent('#request')) ?? '');
  expect(Object.keys(sent)).toEqual(['hookInstance', 'hook', 'context', 'prefetch']);
  expect(sent.hookInstance).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  expect(JSON.stringify(sent)).not.toContain('@now');
});

test('normal magnesium: no cards', async () => {
  await pick('normal');
  expect(await page.locator('.cds-card').count()).toBe(0);
  expect(await page.textContent('#cards')).toContain('No recommendations');
  expect(await page.textContent('#banner')).toContain('Erik Johan Lindqvist');
});

test('the banner labels the MRN once', async () => {
  await pick('severe');
  const mrn = await page.textContent('#banner .mrn');
  expect(mrn).toBe('MRN-0004');
});

test('severe: a critical card in red, markdown detail, trend with threshold lines', async () => {
  await pick('severe');
  const card = page.locator('.cds-card').first();
  expect(await card.getAttribute('data-indicator')).toBe('critical');
  expect(await summaries()).toEqual([expect.stringMatching(/^Severe hypomagnesemia: Mg 0\.9 mg\/dL \d+ h ago, give IV magnesium$/)]);
  expect(await card.locator('.card-summary').evaluate((e) => getComputedStyle(e).color)).toBe(RED);
  expect(await card.locator('.badge').textContent()).toBe('Critical');
  expect(await card.locator('.card-detail table th').allTextContents()).toEqual(expect.arrayContaining(['Result', 'Reported', 'Drawn']));
  expect(await card.locator('.card-detail strong').first().textContent()).toBe('Serum magnesium 0.9 mg/dL');
  // Rule set 2: rule IDs and the rule-set version travel in the card's extension, not the text.
  expect(await card.locator('.card-detail sub').count()).toBe(0);
  expect(await card.locator('.card-source').textContent()).toBe(`Source: Magnesium CDS · Hypomagnesemia · rule set ${defaultRuleConfig.version}`);
  expect(await card.locator('.override-reason option').count()).toBeGreaterThan(1);
  expect(await page.locator('#trend circle').count()).toBe(3);
  expect(await page.locator('#trend text').allTextContents()).toEqual(expect.arrayContaining(['low < 1.8', 'severe < 1.2']));
});

test('clicking the recommended suggestion shows its draft orders and records accepted feedback', async () => {
  const card = page.locator('.cds-card').first();
  const cardUuid = (await card.getAttribute('data-card-uuid'))!;
  const button = card.locator('.suggestion.recommended');
  const suggestionUuid = (await button.getAttribute('data-suggestion-uuid'))!;
  await button.click();
  await page.waitForSelector('.card-status[data-feedback="ok"]');
  expect(await card.locator('.card-status').textContent()).toMatch(/Feedback "accepted" recorded \(HTTP 200/);

  expect(await page.isVisible('#drafts')).toBe(true);
  const drafts = page.locator('#drafts .draft');
  const types = await drafts.evaluateAll((els) => els.map((e) => e.getAttribute('data-resource-type')));
  expect(types[0]).toBe('MedicationRequest');
  expect(types.slice(1).length).toBeGreaterThan(0);
  expect(new Set(types.slice(1))).toEqual(new Set(['ServiceRequest']));
  const medication = JSON.parse((await drafts.first().locator('pre').textContent()) ?? '');
  expect(medication).toMatchObject({ resourceType: 'MedicationRequest', status: 'draft', subject: { reference: 'Patient/demo-severe' } });
  expect(medication.medicationCodeableConcept.coding[0].display).toMatch(/^magnesium sulfate .*premixed bag/);
  expect(medication.dosageInstruction[0].route.coding[0].code).toBe('47625008');

  // Each draft says in words what it orders, above its JSON, and the dose is on screen.
  const summary = drafts.first().locator('.order-summary');
  expect(await summary.locator('dt').allTextContents()).toEqual(expect.arrayContaining(['Drug', 'Dose', 'Route', 'Rate', 'Frequency', 'Duration', 'Recheck']));
  const value = (term: string) => summary.locator(`dt:text-is("${term}") + dd`).textContent();
  expect(await value('Drug')).toMatch(/^magnesium sulfate/);
  expect(await value('Dose')).toMatch(/^\d+(\.\d+)? (g|mg)$/);
  expect(await value('Route')).toBe('IV');
  expect(await value('Rate')).toMatch(/^\d+(\.\d+)? (g|mg)\/h$/);
  expect(await value('Recheck')).toMatch(/^Magnesium, Potassium, Calcium in \d+ h /);
  expect(await value('Duration')).toMatch(/^each dose over \d+ hours?$/);
  const summaryBox = (await summary.boundingBox())!;
  expect(summaryBox.y).toBeLessThan((await drafts.first().locator('details.draft-json').boundingBox())!.y);
  const dose = (await summary.locator('dt:text-is("Dose") + dd').boundingBox())!;
  expect(dose.y).toBeGreaterThanOrEqual(0);
  expect(dose.y + dose.height).toBeLessThanOrEqual(800);
  expect(await drafts.nth(1).locator('.order-summary dt').allTextContents()).toEqual(['Test', 'When', 'Why']);
  // The lab order's time window (occurrencePeriod) is on screen, not "not stated".
  expect(await drafts.nth(1).locator('.order-summary dt:text-is("When") + dd').textContent()).toMatch(/^in \d+ h \(.+ – .+\)$/);

  expect(await store.feedbackFor(cardUuid)).toEqual([expect.objectContaining({ outcome: 'accepted', acceptedSuggestions: [suggestionUuid] })]);
});

test('renal: critical card at reduced dose with the renal caution', async () => {
  await pick('renal');
  const card = page.locator('.cds-card').first();
  expect(await card.getAttribute('data-indicator')).toBe('critical');
  expect(await summaries()).toEqual([expect.stringMatching(/^Severe hypomagnesemia: Mg 1\.0 mg\/dL .* give IV magnesium at reduced dose$/)]);
  expect(await card.locator('.card-detail').textContent()).toContain('Severe renal impairment (eGFR 12');
});

test('mild on a proton pump inhibitor: an info card in blue; dismissing it sends overridden feedback', async () => {
  await pick('mild-ppi');
  const card = page.locator('.cds-card').first();
  expect(await card.getAttribute('data-indicator')).toBe('info');
  expect(await card.locator('.card-summary').evaluate((e) => getComputedStyle(e).color)).toBe('rgb(21, 101, 192)');
  expect(await card.locator('.card-detail').textContent()).toContain('Possible medication cause');
  const cardUuid = (await card.getAttribute('data-card-uuid'))!;
  await card.locator('.override-reason').selectOption({ label: 'Risk outweighs benefit for this patient' });
  await card.locator('.dismiss').click();
  await page.waitForSelector('.card-status[data-feedback="ok"]');
  expect(await store.feedbackFor(cardUuid)).toEqual([
    expect.objectContaining({ outcome: 'overridden', overrideReason: { system: 'http://terminology.hl7.org/CodeSystem/non-adherence-reason-codes', code: 'risk-benefit-ratio' } }),
  ]);
});

test('screenshot of the severe case with its draft orders; no browser errors on the way', async () => {
  await pick('severe');
  await page.locator('.cds-card .suggestion.recommended').click();
  await page.waitForSelector('.card-status[data-feedback="ok"]');
  mkdirSync(RESULTS, { recursive: true });
  const file = join(RESULTS, 'demo.png');
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: file });
  expect(statSync(file).size).toBeGreaterThan(20_000);
  expect(problems).toEqual([]);
});
