import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { ROOT, testApp } from '../helpers';
import { launchChromium } from './chromium';

/**
 * The demo page in a real browser against the real app: pick patients, read the rendered cards,
 * click a suggestion, dismiss a card, and keep a screenshot in test-results/.
 */

jest.setTimeout(60_000);

const RESULTS = join(ROOT, 'test-results');
const RED = 'rgb(198, 40, 40)';

let server: Server;
let browser: Browser;
let page: Page;
let base: string;
const store = new MemoryFeedbackStore();
const problems: string[] = [];

beforeAll(async () => {
  // The same page `npm run build` produces, built from the current sources.
  execFileSync(process.execPath, [join(ROOT, 'web', 'build.js')], { stdio: 'pipe' });
  const { app } = testApp({ now: () => new Date(), feedbackStore: store });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // CSP violations, script errors and failed requests all surface here.
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function pick(id: string): Promise<void> {
  await page.click(`#patients button[data-patient="${id}"]`);
  await page.waitForSelector(`#cards[data-patient="${id}"]`);
}

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
  expect(await card.locator('.card-source').textContent()).toContain('Magnesium CDS');
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
