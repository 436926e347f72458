/**
 * The report in a real browser (headless Chromium): hostile names and titles run no
 * script, the page loads nothing but itself, has no errors, and draws its plots.
 */
/// <reference lib="dom" /> (for the page.evaluate callbacks, which run in the browser)
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { formatSpikesCsv, runReport, RUN_FILES } from '../lib';

const CHROMIUM = '/usr/bin/chromium';
const HOSTILE_TITLE = '<img src=x onerror="window.__x=1">';
const HOSTILE_POPULATION = '<img src=x onerror=alert(1)>';
const describeWithChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;
if (!fs.existsSync(CHROMIUM)) console.warn(`report-browser.test.ts skipped: no ${CHROMIUM} (apt-get install chromium)`);

describeWithChromium('the report in headless Chromium', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-report-browser-'));
  let browser: Browser;
  beforeAll(async () => {
    // The browser is a program of its own: not under the sanitizer run's preloaded runtime.
    const { LD_PRELOAD: _preload, ASAN_OPTIONS: _asan, ...env } = process.env;
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      env,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('hostile names run no script, the page loads nothing else and draws every plot', async () => {
    const run = path.join(tmp, 'run');
    fs.mkdirSync(path.join(run, RUN_FILES.weights), { recursive: true });
    const times = Float64Array.from({ length: 300 }, (_, k) => k * 3);
    const neurons = Uint32Array.from({ length: 300 }, (_, k) => (k * 7) % 50);
    fs.writeFileSync(path.join(run, RUN_FILES.spikes), formatSpikesCsv(times, neurons));
    fs.writeFileSync(path.join(run, RUN_FILES.summary), JSON.stringify({ network: HOSTILE_POPULATION, neurons: 50 }));
    for (const second of [1, 2]) {
      const rows = Array.from({ length: 40 }, (_, k) => `${k},0,${(k + 1) % 50},${(k * second) % 10},0`);
      fs.writeFileSync(path.join(run, RUN_FILES.weights, `weights_sec${second}.csv`), `pre,syn,post,weight,sd\n${rows.join('\n')}\n`);
    }
    const html = await runReport(run, { title: HOSTILE_TITLE, populations: [{ name: HOSTILE_POPULATION, first: 0, size: 50 }] });
    const page = path.join(tmp, 'report.html');
    fs.writeFileSync(page, html);
    const pageUrl = pathToFileURL(page).href;

    const tab = await browser.newPage();
    const dialogs: string[] = [];
    const errors: string[] = [];
    const otherRequests: string[] = [];
    tab.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    tab.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn') errors.push(message.text());
    });
    tab.on('pageerror', (error) => errors.push(String(error)));
    await tab.setRequestInterception(true);
    tab.on('request', (request) => {
      if (request.url() === pageUrl) void request.continue();
      else {
        otherRequests.push(request.url());
        void request.abort();
      }
    });
    await tab.goto(pageUrl, { waitUntil: 'load' });

    const seen = await tab.evaluate(() => ({
      injected: (window as unknown as { __x?: unknown }).__x,
      images: document.querySelectorAll('img').length,
      heading: document.querySelector('h1')?.textContent,
      plots: Array.from(document.querySelectorAll('figure > svg')).map((svg) => {
        const box = svg.getBoundingClientRect();
        return { width: box.width, height: box.height, marks: svg.querySelectorAll('[class^="mark-"][class*="role-mark"] > *').length, text: svg.textContent ?? '' };
      }),
    }));
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
    expect(otherRequests).toEqual([]);
    expect(seen.injected).toBeUndefined();
    expect(seen.images).toBe(0);
    expect(seen.heading).toBe(HOSTILE_TITLE);
    // Raster, rates, weight histogram and evolution.
    expect(seen.plots).toHaveLength(4);
    for (const plot of seen.plots) {
      expect(plot.width).toBeGreaterThan(100);
      expect(plot.height).toBeGreaterThan(100);
      expect(plot.marks).toBeGreaterThan(0);
    }
    expect(seen.plots[0].marks).toBe(300);
    // The population's name is drawn as text in the rates legend (its end cut to fit).
    expect(seen.plots[1].text).toContain('<img src=x onerror');
    expect(await tab.evaluate(() => document.body.textContent)).toContain(HOSTILE_POPULATION);
    await tab.close();
  });
});
