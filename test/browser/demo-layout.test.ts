import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { loadDemoPatients } from '../../src/demo/patients';
import { pick, RESULTS, startDemo, type DemoHarness } from './demo-server';

/**
 * The demo page on a narrow screen (400 px) and its deep links: no sideways scrolling, a chart
 * drawn at a readable size whose labels do not collide, and #patient links that work both ways
 * (typing a new hash, back and forward).
 */

jest.setTimeout(90_000);

const PATIENTS = loadDemoPatients().map((p) => p.id);

let demo: DemoHarness;

beforeAll(async () => {
  demo = await startDemo();
});

afterAll(async () => {
  await demo?.close();
});

const shownPatient = (page: Page) => page.getAttribute('#cards', 'data-patient');
const pressed = (page: Page) => page.getAttribute('#patients button[aria-pressed="true"]', 'data-patient');

/** Pairs of chart labels or lines whose boxes overlap: a value label against ticks, threshold labels, threshold lines and other values. */
async function chartCollisions(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const svg = document.querySelector('#trend svg');
    if (!svg) return [];
    type Box = { name: string; r: DOMRect };
    const boxes = (selector: string): Box[] => Array.from(svg.querySelectorAll(selector)).map((e) => ({ name: `${e.getAttribute('class')} "${e.textContent ?? ''}"`, r: e.getBoundingClientRect() }));
    const overlap = (a: DOMRect, b: DOMRect) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    const values = boxes('text.value');
    const others = [...boxes('text.tick'), ...boxes('text.th-low-label'), ...boxes('text.th-severe-label'), ...boxes('line.th-low'), ...boxes('line.th-severe')];
    const found: string[] = [];
    values.forEach((v, i) => {
      for (const o of others) if (overlap(v.r, o.r)) found.push(`${v.name} × ${o.name}`);
      for (const w of values.slice(i + 1)) if (overlap(v.r, w.r)) found.push(`${v.name} × ${w.name}`);
    });
    return found;
  });
}

describe('at 400 px wide', () => {
  let page: Page;
  beforeAll(async () => {
    page = await demo.openPage({ width: 400, height: 860 });
    await page.goto(`${demo.base}/#severe`);
    await page.waitForSelector('#cards[data-patient="severe"]');
  });

  test.each(PATIENTS)('%s: no sideways scrolling, the chart readable, its labels apart', async (id) => {
    await pick(page, id);
    const fit = await page.evaluate(() => ({ scrollWidth: document.scrollingElement!.scrollWidth, innerWidth: window.innerWidth }));
    expect(fit.scrollWidth).toBeLessThanOrEqual(fit.innerWidth);
    const chart = await page.evaluate(() => {
      const svg = document.querySelector<SVGSVGElement>('#trend svg');
      const tick = svg?.querySelector('text.tick');
      if (!svg || !tick) return undefined;
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      return { width: svg.getBoundingClientRect().width, tickPx: parseFloat(getComputedStyle(tick).fontSize) * scale };
    });
    if (Number(await page.getAttribute('#trend', 'data-points')) >= 2) {
      // The chart spans the column (not a thumbnail) and its smallest text renders at 9 px or more.
      expect(chart?.width).toBeGreaterThan(340);
      expect(chart?.tickPx).toBeGreaterThanOrEqual(9);
      expect(await chartCollisions(page)).toEqual([]);
    }
  });

  test('cards come before the request JSON and the draft orders fit the screen', async () => {
    await pick(page, 'severe');
    const card = (await page.locator('.cds-card').first().boundingBox())!;
    expect(card.x).toBeGreaterThanOrEqual(0);
    expect(card.x + card.width).toBeLessThanOrEqual(400);
    await page.locator('.cds-card .suggestion.recommended').click();
    await page.waitForSelector('.card-status[data-feedback="ok"]');
    const summary = (await page.locator('#drafts .order-summary').first().boundingBox())!;
    expect(summary.x + summary.width).toBeLessThanOrEqual(400);
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(true);
    mkdirSync(RESULTS, { recursive: true });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(RESULTS, 'demo-400.png'), fullPage: true });
  });

  afterAll(async () => {
    await page?.close();
  });
});

describe('at 1280 × 800 the chart labels are apart too', () => {
  test('for every sample patient', async () => {
    const page = await demo.openPage({ width: 1280, height: 800 });
    await page.goto(`${demo.base}/`);
    await page.waitForSelector('#cards[data-patient]:not([data-patient=""])');
    for (const id of PATIENTS) {
      await pick(page, id);
      expect({ id, collisions: await chartCollisions(page) }).toEqual({ id, collisions: [] });
    }
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth <= window.innerWidth)).toBe(true);
    await page.close();
  });
});

describe('deep links', () => {
  test('a #patient link opens that patient; changing the hash switches; back and forward walk the history', async () => {
    const page = await demo.openPage({ width: 1280, height: 800 });
    await page.goto(`${demo.base}/#high`);
    await page.waitForSelector('#cards[data-patient="high"]');
    expect(await pressed(page)).toBe('high');

    // Typing another hash (a hashchange, no reload) shows that patient.
    await page.evaluate(() => {
      location.hash = 'stale';
    });
    await page.waitForSelector('#cards[data-patient="stale"]');
    expect(await pressed(page)).toBe('stale');
    expect(await page.textContent('.cds-card .card-summary')).toMatch(/recheck|old/i);

    // Clicking a patient puts it in the URL and the history.
    await pick(page, 'renal');
    expect(new URL(page.url()).hash).toBe('#renal');

    await page.goBack();
    await page.waitForSelector('#cards[data-patient="stale"]');
    expect(new URL(page.url()).hash).toBe('#stale');
    await page.goBack();
    await page.waitForSelector('#cards[data-patient="high"]');
    expect(await pressed(page)).toBe('high');
    await page.goForward();
    await page.waitForSelector('#cards[data-patient="stale"]');
    expect(await shownPatient(page)).toBe('stale');
    await page.close();
  });

  test('no hash or an unknown one shows the first patient without adding a history entry', async () => {
    const page = await demo.openPage({ width: 1280, height: 800 });
    await page.goto(`${demo.base}/#nobody`);
    await page.waitForSelector(`#cards[data-patient="${PATIENTS[0]}"]`);
    expect(new URL(page.url()).hash).toBe(`#${PATIENTS[0]}`);
    // Back leaves the page (to the blank tab it was opened from) rather than to #nobody.
    await page.goBack();
    expect(page.url()).toBe('about:blank');
    await page.close();
  });

  test('no script errors or CSP violations on any of these pages', () => {
    expect(demo.problems).toEqual([]);
  });
});
