/**
 * The report page in a real headless Chromium (Debian's `chromium`, driven by playwright-core):
 * it loads from a file with no console error and no network request, its charts have drawn
 * points, and its tooltip works. Screenshots go to test/screenshots/ (git-ignored) for a human.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { renderReport, type ReportData } from '../../../operator/src/report/index.js';
import { repoRoot } from '../../harness/golden.js';
import { healthyReport, sampleReport } from '../../unit/report/sample.js';

const CHROMIUM = process.env.ALERTIGER_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** The little of SVGGraphicsElement the checks use (the project compiles without the DOM lib). */
interface Drawn {
  getBBox(): { width: number; height: number };
}

interface Loaded {
  page: Page;
  problems: string[];
  requests: string[];
}

describe('report page in Chromium', function () {
  this.timeout(120_000);
  let dir: string;
  let context: BrowserContext;
  const shots = join(repoRoot(), 'test', 'screenshots');

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: apt-get install -y chromium (or set ALERTIGER_CHROMIUM)`);
    dir = mkdtempSync(join(tmpdir(), 'alertiger-report-'));
    mkdirSync(shots, { recursive: true });
    // launchPersistentContext is how playwright takes a fresh --user-data-dir of our own.
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1100, height: 900 },
      deviceScaleFactor: 1,
    });
  });

  after(async () => {
    await context?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function load(name: string, data: ReportData, colorScheme: 'light' | 'dark' = 'light'): Promise<Loaded> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderReport(data));
    const page = await context.newPage();
    await page.emulateMedia({ colorScheme });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    const response = await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    assert.ok(response === null || response.ok(), 'the page loads');
    return { page, problems, requests };
  }

  it('loads the anomalous report with no console error and no network request, charts drawn', async () => {
    const { page, problems, requests } = await load('anomalous', sampleReport());
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => {
      const observed = svg.querySelector('path.observed') as Drawn | null;
      const band = svg.querySelector('path.band') as Drawn | null;
      return {
        points: svg.querySelectorAll('circle.point').length,
        flagged: svg.querySelectorAll('circle.flagged').length,
        paths: svg.querySelectorAll('path').length,
        bars: svg.querySelectorAll('rect.score-bar').length,
        observedWidth: observed ? observed.getBBox().width : 0,
        bandHeight: band ? band.getBBox().height : 0,
        renderedWidth: svg.getBoundingClientRect().width,
      };
    }));
    assert.equal(charts.length, 4);
    for (const c of charts) {
      assert.ok(c.points + c.flagged >= 40, `points drawn: ${JSON.stringify(c)}`);
      assert.ok(c.flagged >= 2, `flagged points: ${JSON.stringify(c)}`);
      assert.ok(c.paths >= 3 && c.bars > 10, `paths and score bars: ${JSON.stringify(c)}`);
      assert.ok(c.observedWidth > 500 && c.bandHeight > 5, `geometry laid out: ${JSON.stringify(c)}`);
      assert.ok(c.renderedWidth > 800, `chart width on screen: ${c.renderedWidth}`);
    }
    const relative = await page.textContent('header .rel');
    assert.match(relative ?? '', /ago\)|in .*\)/, 'the page script ran');
    await page.screenshot({ path: join(shots, 'report-anomalous.png'), fullPage: true });
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
    await page.close();
  });

  it('shows a tooltip with the values under the pointer', async () => {
    const { page, problems } = await load('tooltip', sampleReport());
    const target = page.locator('#chart-2 .hover-target');
    await target.scrollIntoViewIfNeeded();
    const box = await target.boundingBox();
    assert.ok(box, 'hover target laid out');
    // The right edge of the plot: the latest point, which is flagged.
    await page.mouse.move(box.x + box.width - 2, box.y + box.height / 2);
    const tip = page.locator('#anomaly-2 .tooltip');
    await tip.waitFor({ state: 'visible', timeout: 5000 });
    const text = await tip.textContent();
    assert.match(text ?? '', /2026-02-18.*flagged.*observed 0\.41.*expected 0\.061/);
    assert.equal(await page.getAttribute('#chart-2 .crosshair', 'visibility'), 'visible');
    await page.screenshot({ path: join(shots, 'report-tooltip.png'), clip: { x: 0, y: Math.max(0, box.y - 160), width: 1100, height: 480 } });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('renders the dark theme and the healthy empty state without errors', async () => {
    const dark = await load('dark', sampleReport(), 'dark');
    const bg = await dark.page.evaluate('getComputedStyle(document.body).backgroundColor');
    assert.equal(bg, 'rgb(13, 17, 23)');
    await dark.page.screenshot({ path: join(shots, 'report-anomalous-dark.png'), fullPage: true });
    assert.deepEqual(dark.problems, []);
    await dark.page.close();

    const healthy = await load('healthy', healthyReport());
    assert.equal(await healthy.page.locator('svg.chart').count(), 0);
    assert.match((await healthy.page.textContent('.empty-state')) ?? '', /No open anomalies/);
    await healthy.page.screenshot({ path: join(shots, 'report-healthy.png'), fullPage: true });
    assert.deepEqual(healthy.problems, []);
    assert.deepEqual(healthy.requests, []);
    await healthy.page.close();
  });
});
