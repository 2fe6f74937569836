import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { ROOT, testApp } from '../helpers';
import { overrideReasons } from '../../src/cards/replacement';
import { card, loadScenario, overridden } from '../feedback/store-contract';

/**
 * The admin page in a real headless Chromium: token prompt, refused token, totals, chart and
 * per-rule table drawn from the summary, token kept for the tab. Needs /usr/bin/chromium.
 */

const RESULTS = join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'browser-test-admin-token-0123';

let server: Server;
let base: string;
let context: BrowserContext;
let profile: string;
const problems: string[] = [];
const remoteRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: the browser tests need it (Debian: apt-get install -y chromium; .ci/run installs it), or set CHROMIUM_PATH.`);
  }
  const store = new MemoryFeedbackStore();
  await loadScenario(store);
  // One card with a real rule ID overridden with one of the cards' own reasons: shown by name.
  await store.recordIssuedCards([card({ cardUuid: 'G', ruleIds: ['R-CLS-4'], indicator: 'critical', issuedAt: '2026-11-21T10:00:00.000Z' })]);
  await store.recordFeedback([overridden('G', overrideReasons[0], '2026-11-21T10:05:00Z')]);
  const { app } = testApp({ env: { ADMIN_TOKEN: TOKEN }, feedbackStore: store });
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  profile = mkdtempSync(join(tmpdir(), 'cds-admin-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  context.on('request', (req) => {
    if (!req.url().startsWith(base)) remoteRequests.push(req.url());
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await new Promise((resolve) => server?.close(resolve));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function openPage(): Promise<Page> {
  const page = await context.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(msg.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(`${base}/admin`);
  return page;
}

describe('admin page in Chromium', () => {
  test('a refused token says so and shows no report', async () => {
    const page = await openPage();
    expect(page.url()).toBe(`${base}/admin/`);
    await page.fill('#token', 'wrong-token-but-long-enough');
    await page.click('#load');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.includes('refused'));
    expect(await page.isHidden('#report')).toBe(true);
    expect(await page.getAttribute('#status', 'class')).toBe('error');
    await page.close();
  });

  test('the right token draws totals, the per-day chart and the per-rule table', async () => {
    const page = await openPage();
    await page.fill('#token', TOKEN);
    await page.selectOption('#days', '30');
    await page.click('#load');
    await page.waitForSelector('#report:not([hidden])');

    const tiles = await page.$$eval('#totals [data-metric]', (nodes) =>
      Object.fromEntries(nodes.map((n) => [n.getAttribute('data-metric'), n.querySelector('dd')?.firstChild?.textContent?.trim()])),
    );
    // loadScenario: six cards in the window; B and D accepted, A and E overridden, C and F ignored; plus G overridden.
    expect(tiles).toEqual({ issued: '7', accepted: '2', overridden: '3', ignored: '2' });

    const rows = await page.$$eval('#rules tbody tr', (trs) =>
      trs.map((tr) => ({
        rule: tr.getAttribute('data-rule'),
        ruleCell: tr.querySelector('[data-col="rule"]')?.textContent,
        indicator: tr.getAttribute('data-indicator'),
        issued: tr.querySelector('[data-col="issued"]')?.textContent,
        accepted: tr.querySelector('[data-col="accepted"]')?.textContent,
        overridden: tr.querySelector('[data-col="overridden"]')?.textContent,
        bySuggestion: tr.querySelector('[data-col="by-suggestion"]')?.textContent,
        byReason: tr.querySelector('[data-col="by-reason"]')?.textContent,
      })),
    );
    expect(rows.map((r) => `${r.rule}/${r.indicator}`)).toEqual(['(none)/critical', '(none)/info', 'R-1/warning', 'R-2/warning', 'R-3/info', 'R-CLS-4/critical']);
    const r1 = rows.find((r) => r.rule === 'R-1');
    expect(r1).toMatchObject({ issued: '3', accepted: '1 (33 %)', overridden: '2 (67 %)' });
    expect(r1?.bySuggestion).toContain('suggestion 2: 1');
    // A reason the cards do not offer is shown by its code, never as system|code.
    expect(r1?.byReason).toContain('patient-declined: 1');
    expect(r1?.byReason).not.toContain('http://example.org/reasons|');
    expect(r1?.byReason).toContain('(no reason): 1');
    // Rule IDs carry their titles; the cards' own override reasons show their display names.
    const severe = rows.find((r) => r.rule === 'R-CLS-4');
    expect(severe?.ruleCell).toBe('R-CLS-4 Severe hypomagnesemia');
    expect(severe?.byReason).toBe(`${overrideReasons[0]!.display}: 1`);

    // Stacked bars: one rect per non-zero outcome per day; the counts add up to the totals.
    const bars = await page.$$eval('#chart svg rect', (rects) => rects.map((r) => ({ kind: r.getAttribute('class'), day: r.getAttribute('data-day'), count: Number(r.getAttribute('data-count')) })));
    const sum = (kind: string) => bars.filter((b) => b.kind === kind).reduce((s, b) => s + b.count, 0);
    expect({ accepted: sum('accepted'), overridden: sum('overridden'), ignored: sum('ignored') }).toEqual({ accepted: 2, overridden: 3, ignored: 2 });
    expect(bars.filter((b) => b.day === '2026-11-21').map((b) => b.kind)).toEqual(['accepted', 'overridden', 'ignored']);
    const box = await page.locator('#chart svg').boundingBox();
    expect(box?.width).toBeGreaterThan(300);

    // The token stays in this tab: a reload draws the report again without asking.
    await page.reload();
    await page.waitForSelector('#report:not([hidden])');
    expect(await page.textContent('#totals [data-metric="issued"] dd')).toContain('7');
    await page.close();
  });

  test('at 400 px wide the report fits: no sideways scrolling, each rule row readable as a block', async () => {
    const page = await openPage();
    await page.setViewportSize({ width: 400, height: 800 });
    await page.fill('#token', TOKEN);
    await page.click('#load');
    await page.waitForSelector('#report:not([hidden])');
    const fit = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));
    expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
    // Every cell lies inside the viewport, and shows its column name.
    const cells = await page.$$eval('#rules tbody td', (tds) => tds.map((td) => ({ right: td.getBoundingClientRect().right, label: getComputedStyle(td, '::before').content })));
    expect(cells.length).toBeGreaterThan(0);
    for (const c of cells) expect(c.right).toBeLessThanOrEqual(400);
    expect(cells.map((c) => c.label)).toContain('"Override reason"');
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'admin-400.png'), fullPage: true });
    await page.close();
  });

  test('no script errors, no CSP violations, nothing fetched from outside the service', () => {
    // The refused-token test's 401 is the only failed load expected.
    expect(problems.filter((p) => !p.includes('status of 401'))).toEqual([]);
    expect(remoteRequests).toEqual([]);
  });
});
