import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { MemoryFeedbackStore } from '../../src/feedback/store';
import { ROOT, testApp } from '../helpers';
import { launchChromium } from './chromium';

/** The demo page built from the current sources, served by the real app on loopback, and a Chromium to view it. */
export interface DemoHarness {
  base: string;
  store: MemoryFeedbackStore;
  browser: Browser;
  /** Script errors, console errors (CSP violations, failed loads) of every page opened with openPage. */
  problems: string[];
  openPage(viewport: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export const RESULTS = join(ROOT, 'test-results');

export async function startDemo(): Promise<DemoHarness> {
  // The same page `npm run build` produces.
  execFileSync(process.execPath, [join(ROOT, 'web', 'build.js')], { stdio: 'pipe' });
  const store = new MemoryFeedbackStore();
  const { app } = testApp({ now: () => new Date(), feedbackStore: store });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const browser = await launchChromium();
  const problems: string[] = [];
  return {
    base,
    store,
    browser,
    problems,
    async openPage(viewport) {
      const page = await browser.newPage({ viewport });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      return page;
    },
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Clicks a sample patient and waits until its cards are drawn. */
export async function pick(page: Page, id: string): Promise<void> {
  await page.click(`#patients button[data-patient="${id}"]`);
  await page.waitForSelector(`#cards[data-patient="${id}"]`);
}
