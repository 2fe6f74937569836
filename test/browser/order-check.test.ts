import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { ROOT, testApp } from '../helpers';
import { launchChromium } from './chromium';

/**
 * The order-check demo page in a real browser against the real app: compose a draft magnesium
 * order for a sample patient, send it to the order services, read the cards, and see what a
 * suggestion would change in the draft.
 */

jest.setTimeout(60_000);

let server: Server;
let browser: Browser;
let page: Page;
let base: string;
const store = new MemoryFeedbackStore();
const problems: string[] = [];

beforeAll(async () => {
  execFileSync(process.execPath, [join(ROOT, 'web', 'build.js')], { stdio: 'pipe' });
  const { app } = testApp({ now: () => new Date(), feedbackStore: store });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(`${base}/order-check.html`);
  await page.waitForSelector('body[data-ready="true"]');
});

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

async function checkOrder(options: { patient: string; product: string; dose: string; rate?: string; duration?: string; frequency?: string; hook?: string }): Promise<string[]> {
  await page.selectOption('#patient', options.patient);
  await page.selectOption('#hook', options.hook ?? 'order-sign');
  await page.selectOption('#product', options.product);
  await page.fill('#dose', options.dose);
  if (options.rate !== undefined) await page.fill('#rate', options.rate);
  if (options.duration !== undefined) await page.fill('#duration', options.duration);
  if (options.frequency !== undefined) await page.fill('#frequency', options.frequency);
  await page.click('#check');
  await page.waitForSelector('#cards[data-checked="true"]');
  return page.locator('.cds-card .card-summary').allTextContents();
}

test('the main demo page links to the order-check page', async () => {
  const main = await browser.newPage();
  await main.goto(`${base}/`);
  expect(await main.getAttribute('a[href="/order-check.html"]', 'href')).toBe('/order-check.html');
  await main.close();
});

test('an IV order 4 g over 15 min for the severe patient: critical card; the update slows it to 1 g/h', async () => {
  const summaries = await checkOrder({ patient: 'severe', product: 'mgso4-4g', dose: '4', rate: '', duration: '0.25' });
  expect(summaries[0]).toMatch(/faster than 150 mg\/min/);
  expect(await page.locator('.cds-card').first().getAttribute('data-indicator')).toBe('critical');
  const sent = JSON.parse((await page.textContent('#request')) ?? '');
  expect(sent.hook).toBe('order-sign');
  expect(sent.context.draftOrders.entry[0].resource.id).toBe('demo-draft-1');
  await page.locator('.cds-card').first().locator('button.suggestion').first().click();
  await page.waitForSelector('#change:not([hidden])');
  expect(await page.locator('#change li').allTextContents()).toEqual(expect.arrayContaining(['rate: — → 1 g/h', 'infusion time: 0.25 h → 4 h']));
  await page.waitForSelector('.cds-card [data-feedback="ok"]');
});

test('oral magnesium oxide for the severe patient (order-select): IV replacement is recommended, and the suggestion adds an IV draft', async () => {
  const summaries = await checkOrder({ patient: 'severe', product: 'mgo-cap', dose: '1', frequency: '2', hook: 'order-select' });
  expect(summaries).toEqual([expect.stringMatching(/Severe hypomagnesemia .*IV replacement is recommended/)]);
  expect(JSON.parse((await page.textContent('#request')) ?? '').context.selections).toEqual(['MedicationRequest/demo-draft-1']);
  await page.locator('.cds-card button.suggestion').first().click();
  expect(await page.locator('#change li[data-change="create"]').first().textContent()).toMatch(/Adds a new draft MedicationRequest: magnesium sulfate 4 g/);
});

test('normal magnesium: confirm the indication; removing the draft deletes it by resourceId', async () => {
  const summaries = await checkOrder({ patient: 'normal', product: 'mgo-tab', dose: '1', frequency: '2' });
  expect(summaries).toEqual([expect.stringMatching(/is normal: confirm the indication/)]);
  await page.locator('.cds-card button.suggestion').first().click();
  expect(await page.textContent('#change li[data-change="delete"]')).toBe('Removes MedicationRequest/demo-draft-1 from the order.');
});

test('a well-formed order for a mild patient gets no cards, and nothing went wrong in the page', async () => {
  const summaries = await checkOrder({ patient: 'moderate', product: 'mgo-cap', dose: '1', frequency: '2' });
  expect(summaries).toEqual([]);
  expect(await page.textContent('#cards')).toContain('No recommendations');
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  await page.screenshot({ path: join(ROOT, 'test-results', 'order-check.png'), fullPage: true });
  expect(problems).toEqual([]);
});
