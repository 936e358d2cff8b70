/**
 * End to end: `strait report` on a small sweep, then index.html opened in headless
 * Chromium (Debian's, through playwright-core): every figure is visible with its
 * SVG drawn, the page asks for nothing over the network, and a full-page screenshot
 * is saved to tmp/report-e2e/index.png. Skipped, saying why, where Chromium is not
 * installed (Debian: apt-get install chromium; .ci/run installs it).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../scripts/cli/report-command.ts';
import { writeSweep } from './report-fixtures.ts';
import { CHILD_LIMIT_MS } from './time-limits.ts';

const CHROMIUM = process.env.STRAIT_CHROMIUM ?? '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SCREENSHOT_DIR = fileURLToPath(new URL('../tmp/report-e2e/', import.meta.url));
/** A sweep, a report and a browser: a limit for a hang, sized for a busy machine. */
const TIMEOUT = CHILD_LIMIT_MS;
/** One browser step (playwright's default is 30 s, vitest's expect.poll 1 s): a busy machine needs more. */
const STEP_TIMEOUT = 120_000;

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!HAVE_CHROMIUM) {
  process.stderr.write(`report-e2e: skipped: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium, or set STRAIT_CHROMIUM)\n`);
}

let dir = '';
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('strait report in a browser', () => {
  it.skipIf(!HAVE_CHROMIUM)(
    `index.html shows every figure in headless Chromium${HAVE_CHROMIUM ? '' : ` (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`}`,
    async () => {
      dir = mkdtempSync(join(tmpdir(), 'strait-report-e2e-'));
      await writeSweep(join(dir, 'sweep'), { policies: ['fifo', 'strait'], predictors: ['adaptive'], loads: [0.7, 1.2], seeds: [1] });
      // reportCommand lists the figures on stdout and what it wrote on stderr: not here.
      const [out, err] = [process.stdout.write, process.stderr.write];
      process.stdout.write = process.stderr.write = (() => true) as typeof process.stdout.write;
      let figures: readonly string[];
      try {
        figures = (await reportCommand(join(dir, 'sweep'), { out: join(dir, 'report') })).report.figures.map((f) => f.name);
      } finally {
        process.stdout.write = out;
        process.stderr.write = err;
      }
      expect(figures).toHaveLength(7);

      const { chromium } = await import('playwright-core');
      const context = await chromium.launchPersistentContext(join(dir, 'chromium-profile'), {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1200, height: 900 },
      });
      context.setDefaultTimeout(STEP_TIMEOUT);
      context.setDefaultNavigationTimeout(STEP_TIMEOUT);
      try {
        const page = await context.newPage();
        const offPage: string[] = [];
        page.on('request', (request) => {
          if (!request.url().startsWith('file:')) offPage.push(request.url());
        });
        const errors: string[] = [];
        page.on('pageerror', (error) => errors.push(error.message));
        await page.goto(pathToFileURL(join(dir, 'report', 'index.html')).href);

        expect(await page.locator('figure.figure').count()).toBe(figures.length);
        for (const name of figures) {
          const figure = page.locator(`#fig-${name}`);
          await figure.scrollIntoViewIfNeeded();
          await expect.poll(() => figure.isVisible(), { timeout: STEP_TIMEOUT }).toBe(true);
          const svg = figure.locator('svg').first();
          expect(await svg.isVisible()).toBe(true);
          const box = await svg.boundingBox();
          expect(box, name).not.toBeNull();
          expect(box!.width, name).toBeGreaterThan(300);
          expect(box!.height, name).toBeGreaterThan(200);
          // Drawn: marks and axis text inside the SVG, and a caption under it.
          expect(await svg.locator('path, line, rect').count(), name).toBeGreaterThan(5);
          expect(await svg.locator('text').count(), name).toBeGreaterThan(5);
          expect((await figure.locator('figcaption').innerText()).length, name).toBeGreaterThan(40);
        }
        for (const id of ['table-points', 'table-runs']) expect(await page.locator(`#${id} table`).isVisible()).toBe(true);

        mkdirSync(SCREENSHOT_DIR, { recursive: true });
        const shot = join(SCREENSHOT_DIR, 'index.png');
        await page.screenshot({ path: shot, fullPage: true });
        expect([...readFileSync(shot).subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
        expect(offPage).toEqual([]);
        expect(errors).toEqual([]);
      } finally {
        await context.close();
      }
    },
    TIMEOUT,
  );
});
