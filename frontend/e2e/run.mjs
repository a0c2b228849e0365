// End-to-end test of the ingress page in a real headless Chromium (Debian's, never downloaded)
// against a real engine with demo data (tests/web/demo_engine.py). Takes screenshots at phone
// and desktop widths, each audited by axe-core (WCAG 2.1 A and AA, zero violations allowed); with
// --screenshots it saves them into docs/screenshots/ (the README's).
// Exits non-zero on the first failed step.
//
//   node e2e/run.mjs [--screenshots]   (inside scripts/devenv; CHROMIUM and PYTHON may override paths)

import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { chromium } from 'playwright-core';
import {
  AUDITED, AXE_VERSION, VIEWPORTS, audit, check, engineApi, fitsWidth, focusMovesTo, log, shownMoney,
} from './harness.mjs';
import { ANALYSIS_DRAWN, analysisLoad, analysisView } from './analysis.mjs';
import { deviceChanges } from './devices.mjs';
import { gasAndWaterTariffs, ledgerOverview } from './ledger.mjs';
import { pluginsView } from './plugins.mjs';
import { rankingView } from './ranking.mjs';
import { settingsView } from './settings.mjs';
import { statementsView } from './statements.mjs';
import { zoomAndPhone } from './zoom.mjs';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = `${REPO}docs/screenshots`;
const SAVE_SHOTS = process.argv.includes('--screenshots');
const URDB_FILE = `${REPO}tests/web/urdb_rate.json`;
const EVERY_FIELD = JSON.parse(readFileSync(`${REPO}frontend/test/fixtures/every-field.json`, 'utf8'));
const VAT_TARIFF = 'Flat with VAT';
const TIMEOUT = 30_000;

/** Start the demo engine (with ARGS); resolve with { url, token, devices } and the process. */
function startEngine(args = []) {
  const child = spawn(process.env.PYTHON ?? 'python', [`${REPO}tests/web/demo_engine.py`, ...args], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', (line) => resolve({ child, demo: JSON.parse(line) }));
    child.once('exit', (code) => reject(new Error(`the demo engine exited with ${code}`)));
  });
}

function stopEngine(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', resolve);
    child.stdin.end(); // the launcher stops the engine and removes its cluster
  });
}

async function openWithToken(context, url, token, what) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // Failed requests are judged by their answers below; other console errors are page errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    // Refusals the tests provoke: a tariff's, a budget's, a device's, a statement's, a ranking's, a file's, a plugin's or a setting's bad field.
    const expected = (response.status() === 422 && /\/api\/v1\/(tariffs\/validate|budgets(\/\d+)?|devices\/\d+|meter-data|plugins\/[^/]+|settings)$/.test(response.url()))
      || (response.status() === 400 && /\/api\/v1\/(statements(\/import)?|rank)$/.test(response.url()))
      // Statements no constant amount explains: the page says there is no proposal.
      || (response.status() === 409 && /\/api\/v1\/statements\/calibration$/.test(response.url()));
    if (response.status() >= 400 && !expected) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url);
  await page.getByLabel('API token').waitFor();
  await audit(page, `token prompt ${what}`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  return { page, errors };
}

async function shot(page, name) {
  await audit(page, name);
  await page.evaluate(async () => {
    document.activeElement?.blur();
    window.scrollTo(0, 0);
    await document.fonts.ready;
  });
  // Always taken (the page must render whole); saved only when asked, so a test run leaves the
  // committed screenshots alone.
  await page.screenshot({ path: SAVE_SHOTS ? `${SHOTS}/${name}.png` : undefined, fullPage: true });
  log(SAVE_SHOTS ? `screenshot ${name}.png saved` : `screenshot ${name} taken`);
}

async function overviewReady(page) {
  await page.getByTestId('today').waitFor();
  await page.locator('#cycle-chart ~ .chart canvas').waitFor();
  await page.locator('.meter-bar').first().waitFor();
}

/** Load time of the overview (a full page load) until its chart is drawn, in ms. */
async function timeOverview(page, url) {
  await page.goto('about:blank');
  const started = Date.now();
  await page.goto(`${url}#/overview`);
  await overviewReady(page);
  return Date.now() - started;
}

/**
 * The overview's load with a year of data for 50 devices, on a CPU throttled 4× (a Pi-class
 * budget): first contentful paint and first chart drawn, in ms from the navigation's start.
 * Printed, not asserted (a figure, like the benchmarks'); the machine's load is printed with it.
 */
async function loadFigures(browser) {
  const { child, demo } = await startEngine(['--devices', '50']);
  try {
    const context = await browser.newContext({ ...VIEWPORTS.desktop, colorScheme: 'light' });
    await context.addInitScript((token) => sessionStorage.setItem('aetherlens.token', token), demo.token);
    const page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
    const runs = [];
    for (let run = 0; run < 3; run += 1) {
      await page.goto('about:blank');
      await page.goto(`${demo.url}#/overview`);
      await page.waitForFunction(() => document.querySelector('#cycle-chart ~ .chart canvas') !== null, null, { polling: 'raf', timeout: 60_000 });
      runs.push(await page.evaluate(() => ({
        paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
        chart: performance.now(),
      })));
    }
    const devices = (await page.evaluate(async () => {
      const answer = await fetch('api/v1/devices', { headers: { Authorization: `Bearer ${sessionStorage.getItem('aetherlens.token')}` } });
      return (await answer.json()).devices.filter((device) => device.kind !== 'cloud_account').length;
    }));
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const median = (key) => runs.map((each) => each[key]).sort((a, b) => a - b)[1];
    log(`load time, ${devices} metered devices with a year of data, CPU throttled 4x: first paint ${Math.round(median('paint'))} ms, `
      + `first chart ${Math.round(median('chart'))} ms (median of 3: ${runs.map((each) => `${Math.round(each.paint)}/${Math.round(each.chart)}`).join(', ')}; load average ${load})`);
    log(`load time of the cost analysis, the same data and throttling: ${await analysisLoad(page, demo.url)}; `
      + `load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
    await context.close();
  } finally {
    await stopEngine(child);
  }
}

async function keyboard(page, url) {
  await page.goto(`${url}#/overview`);
  await overviewReady(page);
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.textContent === 'Skip to content'), 'Tab reaches the skip link first');
  await page.keyboard.press('Tab');
  check(await page.evaluate(() => document.activeElement.textContent.trim() === 'Overview'), 'then the first view link');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/devices$/);
  await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
}

/** The device list: every metered device, filtered and sorted; a row leads to its device. */
async function deviceList(page, url, api) {
  await page.goto(`${url}#/devices`);
  await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
  const rows = page.getByTestId('device-row');
  await rows.first().waitFor();
  const summary = await api('GET', 'api/v1/summary');
  check(await rows.count() === summary.devices.length, `every metered device is listed (${await rows.count()} of ${summary.devices.length})`);
  const cycle = new Map((await api('GET', 'api/v1/devices/figures')).devices.map((device) => [device.id, Number(device.cost_cycle ?? -1)]));
  const byCost = [...summary.devices].sort((a, b) => cycle.get(b.id) - cycle.get(a.id)).map((device) => device.name);
  const names = async () => (await rows.locator('th a').allTextContents());
  check((await names())[0] === byCost[0], `sorted by this cycle's cost first (${await names()}; ${byCost})`);
  await page.getByRole('button', { name: /^Device/ }).click();
  const sorted = [...summary.devices.map((device) => device.name)].sort((a, b) => a.localeCompare(b));
  check(isDeepStrictEqual(await names(), sorted), `sorted by name (${await names()})`);
  check(await page.locator('th[aria-sort="ascending"]').count() === 1, 'the sorted column says so');
  await page.getByLabel('Filter').fill('pump');
  await page.getByTestId('device-count').filter({ hasText: `1 of ${summary.devices.length} devices` }).waitFor();
  await audit(page, 'devices list, filtered');
  await rows.first().locator('a').click();
  await page.getByRole('heading', { name: 'Heat pump', level: 1 }).waitFor();
}

async function devices(page, url, deviceId) {
  await page.goto(`${url}#/devices/${deviceId}`);
  await page.getByRole('heading', { name: 'Heat pump', level: 1 }).waitFor();
  await page.locator('#history ~ .chart canvas').waitFor();
  for (const zoom of ['Year', 'Month', 'Day', 'Week']) {
    await page.getByRole('button', { name: zoom, exact: true }).click();
    await page.locator(`button[aria-pressed="true"]`, { hasText: zoom }).waitFor();
    await page.getByTestId('history-total').waitFor();
  }
  await page.locator('table.periods tbody tr').first().waitFor();
}

/**
 * The instant 7½ minutes (and MINUTES_EARLIER) before the demo's last reading, RECORDED_UNTIL:
 * inside its recorded appliance power, whichever hour the clock has turned to since it started.
 */
function recordedInstant(recordedUntil, minutesEarlier = 0) {
  return new Date(Date.parse(recordedUntil) - 450_000 - minutesEarlier * 60_000).toISOString();
}

/**
 * New readings rolled up in the engine reach the open overview and device pages without a reload
 * (server-sent events); a lost stream is reconnected and its missed figures read again.
 */
async function live(page, url, api, fridgeId, recordedUntil) {
  await page.goto(`${url}#/overview`);
  await overviewReady(page);
  await page.locator('[data-testid="live"][data-status="live"]').waitFor();
  await page.evaluate(() => { window.notReloaded = true; });
  const fridge = page.locator('section[aria-labelledby="top-devices"] tr', { hasText: 'Fridge' });
  const before = await fridge.textContent();
  const post = (value, minutesEarlier) => api('POST', 'api/v1/readings?backfill=true', [{ device_id: fridgeId, time: recordedInstant(recordedUntil, minutesEarlier), value }]);
  await post(20_000, 0);
  // More energy this month: the row's kWh grows.
  const kwhOf = (text) => Number.parseFloat(text.replace(/^Fridge/, ''));
  await page.waitForFunction(([selector, old]) => {
    const row = [...document.querySelectorAll(selector)].find((each) => each.textContent.includes('Fridge'));
    return row && Number.parseFloat(row.textContent.replace(/^Fridge/, '')) > old;
  }, ['section[aria-labelledby="top-devices"] tr', kwhOf(before)], { timeout: 90_000 });
  check(await page.evaluate(() => window.notReloaded === true), 'the overview updated without a reload');
  log(`overview followed a new reading: "${before}" became "${await fridge.textContent()}"`);

  // The device page opens on a stream that ends at once (an engine restarting, a proxy's
  // timeout): it says so, reconnects by itself after the engine's `retry:`, and then follows.
  // Each status the page shows is noted from the document's start: the second above saying
  // "reconnecting" may be over before a wait begun after the navigation looks.
  await page.addInitScript(() => {
    window.liveStatuses = [];
    new MutationObserver(() => {
      const shown = document.querySelector('[data-testid="live"]')?.dataset.status;
      if (shown && shown !== window.liveStatuses.at(-1)) window.liveStatuses.push(shown);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-status'] });
  });
  await page.route('**/api/v1/events', (route) => route.fulfill({
    status: 200, contentType: 'text/event-stream', body: 'retry: 1000\nevent: ready\ndata: {}\n\n',
  }), { times: 1 });
  await page.goto('about:blank');
  await page.goto(`${url}#/devices/${fridgeId}`);
  await page.waitForFunction(() => window.liveStatuses.includes('reconnecting'));
  await page.locator('[data-testid="live"][data-status="live"]').waitFor();
  // The day's answer, not the week's (also by the hour) that the reconnect may be reading again.
  const dayLoaded = page.waitForResponse((response) => {
    const asked = new URL(response.url());
    const span = Date.parse(asked.searchParams.get('to') ?? '') - Date.parse(asked.searchParams.get('from') ?? '');
    return asked.pathname.endsWith(`/devices/${fridgeId}/energy`) && span === 86_400_000;
  });
  await page.getByRole('button', { name: 'Day', exact: true }).click();
  // Until the day's answer is drawn, the total shown is the week's (kept while the day loads).
  const dayKwh = (await (await dayLoaded).json()).total_kwh;
  await page.waitForFunction((expected) => Math.abs(Number.parseFloat(document.querySelector('[data-testid="history-total"]')?.textContent ?? '') - expected) < 0.05, dayKwh);
  const total = page.getByTestId('history-total');
  await page.evaluate(() => { window.notReloaded = true; });
  const dayBefore = await total.textContent();
  await post(30_000, 2);
  // More energy in the day: the 30 kW reading adds about 30 kW x 7.5 min.
  await page.waitForFunction(([old]) => Number.parseFloat(document.querySelector('[data-testid="history-total"]')?.textContent ?? '') > Number.parseFloat(old),
    [dayBefore], { timeout: 90_000 });
  check(await page.evaluate(() => window.notReloaded === true), 'the device page updated without a reload');
  log(`device page followed a new reading: "${dayBefore}" became "${await total.textContent()}"`);
}

/** Wait for the recompute with TARIFF to finish, its progress shown on the way. */
async function recomputeDone(page, tariff) {
  await page
    .locator('[data-testid="recompute"][data-state="done"]', { hasText: `with ${tariff}` })
    .waitFor({ timeout: 120_000 });
  const progress = await page.locator('#recompute-progress').getAttribute('value');
  check(progress === '1', `the progress bar ends full (${progress})`);
}

async function tariffEditor(page, url) {
  await page.goto(`${url}#/tariffs`);
  await page.getByRole('heading', { name: 'New tariff', level: 1 }).waitFor();
  await page.getByLabel('Name', { exact: true }).fill('Flat saver');
  await page.getByLabel('Price per kWh').fill('0,27');
  await page.getByRole('button', { name: 'Validate' }).click();
  const price = page.locator('#f-energy-price');
  await page.locator('#f-energy-price[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-energy-price-error').textContent();
  check(/number/.test(message), `the price field shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-energy-price', 'focus moves to the first invalid field');
  await audit(page, 'tariff editor with a refused price');
  await price.fill('0.27');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: 'Tariff Flat saver', level: 1 }).waitFor();
  await page.locator('#tariff-message', { hasText: 'Saved Flat saver version 1' }).waitFor();
  check((await page.locator('[aria-invalid="true"]').count()) === 0, 'no field is marked invalid after the fix');

  await page.goto(`${url}#/tariffs`);
  await page.getByRole('heading', { name: 'New tariff', level: 1 }).waitFor();
  await page.locator('#urdb-file').setInputFiles(URDB_FILE);
  await page.locator('#tariff-message', { hasText: 'Imported' }).waitFor();
  await page.locator('.unsupported', { hasText: 'fueladjustmentsmonthly' }).waitFor();
  const importedName = await page.locator('#f-name').inputValue();
  check(importedName.includes('Demo Power & Light'), `the imported name is the utility's (${importedName})`);
  await page.getByRole('button', { name: 'Save and activate' }).click();
  await page.getByRole('heading', { name: `Tariff ${importedName}`, level: 1 }).waitFor();
  await recomputeDone(page, importedName);
  await page.locator('.tariff-list li', { hasText: importedName }).locator('.badge').waitFor();
  // A week with the change to daylight saving time in the tariff's zone.
  await page.getByLabel('Week from').fill('2026-03-05');
  await page.locator('.heatmap tr.dst .dst-badge', { hasText: '23 h' }).waitFor();
  check((await page.locator('.heatmap tr.dst td.skipped').count()) === 1, 'one skipped hour in the DST week');
  return importedName;
}

async function compare(page, url, alternative) {
  await page.goto(`${url}#/compare`);
  await page.getByRole('heading', { name: 'Compare tariffs', level: 1 }).waitFor();
  await page.getByLabel('Alternative', { exact: true }).selectOption(alternative);
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('difference').waitFor();
  await page.getByTestId('current-total').waitFor();
  await page.getByTestId('alternative-total').waitFor();
}

/** A flat tariff with a surcharge and VAT made in the editor's form; a bad percent shown at its field first. */
async function vatTariff(page, url) {
  await page.goto(`${url}#/tariffs`);
  await page.getByRole('heading', { name: 'New tariff', level: 1 }).waitFor();
  await page.locator('#f-name').fill(VAT_TARIFF);
  await page.getByLabel('Price per kWh').fill('0.30');
  await page.getByRole('button', { name: 'Add surcharge' }).click();
  const levy = page.getByRole('group', { name: 'Surcharge 1', exact: true });
  await levy.getByLabel('Name').fill('grid levy');
  await levy.getByLabel('Amount per kWh').fill('0.02');
  await page.getByRole('button', { name: 'Add tax' }).click();
  const vat = page.getByRole('group', { name: 'Tax 1', exact: true });
  await vat.getByLabel('Name').fill('VAT');
  await vat.getByLabel('Percent').fill('19 %');
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.locator('#f-taxes-0-percent[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-taxes-0-percent-error').textContent();
  check(/number/.test(message), `the tax's percent shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-taxes-0-percent', 'focus moves to the bad percent');
  await vat.getByLabel('Percent').fill('19');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: `Tariff ${VAT_TARIFF}`, level: 1 }).waitFor();
  await page.locator('#tariff-message', { hasText: `Saved ${VAT_TARIFF} version 1` }).waitFor();
}

/** The comparison with the VAT tariff shows the engine's bill: energy, surcharge and 19 % VAT on both. */
async function compareWithVat(page, url, api) {
  await compare(page, url, VAT_TARIFF);
  const answer = await api('POST', 'api/v1/compare', { tariff: VAT_TARIFF });
  const shown = await page.getByTestId('alternative-total').textContent();
  const engine = await shownMoney(page, answer.alternative.total, answer.currency);
  check(shown === engine, `the page shows the engine's bill (${shown} = ${engine})`);
  let expected = 0;
  for (const cycle of answer.alternative.cycles) {
    const kwh = Number(cycle.import_kwh);
    const [levy] = cycle.surcharges;
    const [tax] = cycle.taxes;
    check(levy?.name === 'grid levy' && levy.per_kwh === '0.02' && levy.kwh === cycle.import_kwh, `the surcharge is on every kWh (${JSON.stringify(levy)})`);
    check(tax?.name === 'VAT' && tax.percent === '19', `VAT is in the bill (${JSON.stringify(tax)})`);
    check(Math.abs(Number(tax.base) - kwh * 0.32) <= 0.01, `VAT's base is energy and surcharge (${tax.base}, ${kwh} kWh)`);
    expected += kwh * 0.32 * 1.19;
  }
  const cycles = answer.alternative.cycles.length;
  check(cycles > 0 && Math.abs(Number(answer.alternative.total) - expected) <= 0.01 * cycles,
    `the bill is kWh x (0.30 + 0.02) x 1.19 (${answer.alternative.total}, ${expected.toFixed(4)})`);
  const vatLine = page.getByTestId('alternative-lines').locator('tr', { hasText: 'VAT' });
  const vatTotal = answer.alternative.cycles.reduce((sum, cycle) => sum + Number(cycle.taxes[0].amount), 0).toFixed(2);
  check((await vatLine.locator('td').last().textContent()) === await shownMoney(page, vatTotal, answer.currency), 'the page shows the VAT line');
  log(`compared ${VAT_TARIFF}: ${shown} over ${cycles} cycle(s)`);
}

/** A bad value in the YAML is shown at its line and column, and a click on it moves the caret there. */
async function yamlErrorAtItsLine(page, url) {
  await page.goto(`${url}#/tariffs/${encodeURIComponent(VAT_TARIFF)}`);
  await page.getByRole('heading', { name: `Tariff ${VAT_TARIFF}`, level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Edit as YAML' }).click();
  const area = page.locator('#f-definition');
  const text = await area.inputValue();
  const lines = text.split('\n');
  const line = lines.findIndex((each) => each.includes('percent: 19')) + 1;
  check(line > 0, `the YAML has the tax's percent (${text})`);
  await area.fill(text.replace('percent: 19', 'percent: nineteen'));
  await page.getByRole('button', { name: 'Validate' }).click();
  const column = lines[line - 1].indexOf('19') + 1;
  const error = page.locator('.yaml-errors li', { hasText: `Line ${line}, column ${column}` });
  await error.waitFor();
  const said = await error.textContent();
  check(/taxes\[0\]\.percent: expected a number/.test(said), `the engine's message is at its line (${said})`);
  check((await page.locator(`.yaml-lines li.error[data-line="${line}"]`).count()) === 1, `line ${line} is marked in the margin`);
  check((await page.locator('.yaml-lines li.error').count()) === 1, 'only that line is marked');
  await error.getByRole('button').click();
  const caret = await area.evaluate((node) => node.value.slice(0, node.selectionStart).split('\n').length);
  check(caret === line, `the caret moves to line ${line} (${caret})`);
  // A YAML syntax error is shown at its line before the engine is asked.
  await area.fill(text.replace('name: VAT', 'name: [VAT'));
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.locator('#tariff-message', { hasText: 'The YAML has' }).waitFor();
  await page.locator('.yaml-errors li', { hasText: 'Line' }).first().waitFor();
}

/** Load a tariff with every field of the format, change one in the form and one in the YAML: nothing else changes. */
async function roundTrip(page, url, api) {
  const name = EVERY_FIELD.name;
  await api('POST', 'api/v1/tariffs', { name, definition: EVERY_FIELD });
  await page.goto(`${url}#/tariffs/${encodeURIComponent(name)}`);
  await page.getByRole('heading', { name: `Tariff ${name}`, level: 1 }).waitFor();
  const note = await page.getByTestId('yaml-only').textContent();
  check(['holidays', 'demand', 'export', 'carbon', 'energy.tiers'].every((key) => note.includes(key)), `the form says what only the YAML edits (${note})`);
  check(await page.locator('#f-minimum-excess_credit').inputValue() === 'carry', 'the minimum bill is in the form');
  check(await page.locator('#f-energy-periods-1-tiers-1-price').inputValue() === '0.50', 'tiers are in the form, as written');
  await page.locator('#f-taxes-1-percent').fill('20');
  // The page reloads the tariff after a save; held back here, it lands after the user has opened
  // the YAML editor, which it must not close (it did, now and then, under load).
  const tariffPath = `api/v1/tariffs/${encodeURIComponent(name)}`;
  let release = () => {};
  const held = new Promise((resolve) => { release = resolve; });
  const hold = async (/** @type {import('playwright-core').Route} */ route) => {
    if (route.request().method() !== 'GET') return route.continue();
    await held;
    return route.continue();
  };
  const isTariff = (/** @type {URL} */ target) => target.pathname.endsWith(tariffPath);
  await page.route(isTariff, hold);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('#tariff-message', { hasText: `Saved ${name} version 2` }).waitFor();
  await page.getByRole('button', { name: 'Edit as YAML' }).click();
  const reloaded = page.waitForResponse((response) => response.url().endsWith(tariffPath) && response.request().method() === 'GET');
  release();
  await reloaded;
  await page.unroute(isTariff, hold);
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
  const area = page.locator('#f-definition');
  check(await area.count() === 1, 'the reload after a save leaves the YAML editor open');
  const text = await area.inputValue();
  check(text.includes('cycle_day: 17'), 'the YAML has the cycle day');
  await area.fill(text.replace('cycle_day: 17', 'cycle_day: 3'));
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.locator('#tariff-message', { hasText: `Saved ${name} version 3` }).waitFor();
  const versions = (await api('GET', `api/v1/tariffs/${encodeURIComponent(name)}`)).versions.map((version) => version.definition);
  check(isDeepStrictEqual(versions[0], EVERY_FIELD), 'the engine stored the definition as given');
  const second = structuredClone(versions[0]);
  second.taxes[1].percent = 20;
  check(isDeepStrictEqual(versions[1], second), `the form's save changed only taxes[1].percent (${JSON.stringify(versions[1])})`);
  check(isDeepStrictEqual(versions[2], { ...second, cycle_day: 3 }), `the YAML's save changed only cycle_day (${JSON.stringify(versions[2])})`);
  await api('DELETE', `api/v1/tariffs/${encodeURIComponent(name)}`);
}

/** The local date in ZONE of an instant. */
function dateIn(zone, instant = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);
}

function addDays(isoDate, days) {
  const day = new Date(`${isoDate}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() + days);
  return day.toISOString().slice(0, 10);
}

/** The cycle's day counted from its first day as 1, its dates as shown, and a partly recorded comparison's warning. */
async function cycleFigures(page, url, api) {
  const summary = await api('GET', 'api/v1/summary');
  const plan = await api('GET', 'api/v1/projection');
  const today = dateIn(summary.timezone);
  const day = Math.round((Date.parse(today) - Date.parse(plan.cycle.start)) / 86_400_000) + 1;
  await page.goto(`${url}#/overview`);
  await overviewReady(page);
  const cycle = await page.locator('section', { has: page.getByTestId('cycle') }).locator('.detail').textContent();
  check(cycle.includes(`since ${plan.cycle.start} · day ${day} of ${plan.days_total}`), `the cycle's day counts its first day as 1 (${cycle}; today ${today})`);
  const projected = await page.locator('section', { has: page.getByTestId('projected') }).locator('.detail').textContent();
  check(projected === `${plan.cycle.start} – ${addDays(plan.cycle.end, -1)}`, `the projected cycle shows its first and last day (${projected})`);

  await compare(page, url, VAT_TARIFF);
  const sentence = await page.getByTestId('difference').textContent();
  check(sentence.endsWith(`to ${addDays(plan.cycle.start, -1)}.`), `the last full cycle ends the day before this one starts (${sentence})`);
  check((await page.getByTestId('missing').count()) === 0, 'no warning when the cycle is recorded in full');
  // From two days ago to three days ahead: the days to come are not recorded.
  await page.locator('#compare-start').fill(addDays(today, -2));
  await page.locator('#compare-end').fill(addDays(today, 3));
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('difference', { hasText: `from ${addDays(today, -2)} to ${addDays(today, 3)}` }).waitFor();
  const missing = await page.getByTestId('missing').textContent();
  // Two whole days and today up to its last rolled-up hour: 2 days at local midnight, "3.0" in its last hour.
  const recorded = /Only (\d+(?:\.\d)?) of 6 days are recorded/.exec(missing);
  check(recorded !== null && Number(recorded[1]) >= 2 && Number(recorded[1]) <= 3, `the partly recorded range says how much is missing (${missing})`);
}

/**
 * A budget made, changed and deleted in the page; a bad amount and bad thresholds refused at their
 * fields (by the engine) first. The engine stores what the page shows.
 */
async function budgets(page, url, api, fridgeId) {
  const name = 'Fridge per day';
  await page.goto(`${url}#/budgets`);
  await page.getByRole('heading', { name: 'Budgets', level: 1 }).waitFor();
  await page.locator('[data-testid="budget"][data-name="Household"]').waitFor();
  const form = page.locator('form');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Counts').selectOption('device');
  await form.getByLabel('Device').selectOption(String(fridgeId));
  await form.getByLabel('Period').selectOption('day');
  await form.getByLabel('Amount').fill('0,50');
  await form.getByLabel('Tell Home Assistant at (%)').fill('50, 80, 100');
  await page.getByRole('button', { name: 'Create budget' }).click();
  await page.locator('#f-amount[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-amount-error').textContent();
  check(/exact decimal/.test(message), `the amount shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-amount', 'focus moves to the bad amount');
  await audit(page, 'budgets with a refused amount');
  await form.getByLabel('Amount').fill('0.50');
  await page.getByRole('button', { name: 'Create budget' }).click();
  await page.getByTestId('budget-notice').filter({ hasText: `Saved ${name}.` }).waitFor();
  const item = page.locator(`[data-testid="budget"][data-name="${name}"]`);
  await item.waitFor();
  let stored = (await api('GET', 'api/v1/budgets')).budgets.find((budget) => budget.name === name);
  check(stored?.amount === '0.5' && stored.device_id === fridgeId && stored.period === 'day' && isDeepStrictEqual(stored.thresholds, [50, 80, 100]),
    `the engine stored the budget (${JSON.stringify(stored)})`);

  await item.getByRole('button', { name: `Edit ${name}` }).click();
  await page.getByRole('heading', { name: `Edit ${name}`, level: 2 }).waitFor();
  await focusMovesTo(page, 'f-name', 'editing starts at the name');
  await form.getByLabel('Tell Home Assistant at (%)').fill('80, 50');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.locator('#f-thresholds[aria-invalid="true"]').waitFor();
  const order = await page.locator('#f-thresholds-error').textContent();
  check(/higher than the one before/.test(order), `the thresholds show the engine's message (${order})`);
  await form.getByLabel('Tell Home Assistant at (%)').fill('80, 100');
  await form.getByLabel('Amount').fill('0.75');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await page.getByTestId('budget-notice').filter({ hasText: `Saved ${name}.` }).waitFor();
  await item.locator('.detail', { hasText: 'told at 80\u00a0%, 100\u00a0%' }).waitFor();
  stored = (await api('GET', 'api/v1/budgets')).budgets.find((budget) => budget.name === name);
  check(stored?.amount === '0.75' && isDeepStrictEqual(stored.thresholds, [80, 100]), `the engine stored the change (${JSON.stringify(stored)})`);

  // Deleted with the keyboard alone.
  await item.getByRole('button', { name: `Delete ${name}` }).focus();
  await page.keyboard.press('Enter');
  await item.getByRole('button', { name: 'Delete it' }).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('budget-notice').filter({ hasText: `Deleted ${name}.` }).waitFor();
  await item.waitFor({ state: 'detached' });
  const left = (await api('GET', 'api/v1/budgets')).budgets.map((budget) => budget.name);
  check(!left.includes(name), `the engine deleted it (${left})`);
  log(`budget made, changed and deleted; ${left.length} left`);
}

async function reactivateDemo(page, url) {
  await page.goto(`${url}#/tariffs/Demo%20TOU`);
  await page.getByRole('button', { name: 'Activate Demo TOU' }).click();
  await recomputeDone(page, 'Demo TOU');
}

async function main() {
  mkdirSync(SHOTS, { recursive: true });
  const { child, demo } = await startEngine();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  try {
    const heatPump = demo.devices['Heat pump'];
    const desktop = await browser.newContext({ ...VIEWPORTS.desktop, colorScheme: 'light' });
    const { page, errors } = await openWithToken(desktop, demo.url, demo.token, 'desktop');
    log(`overview drawn in ${await timeOverview(page, demo.url)} ms`);
    await shot(page, 'overview-desktop');
    await keyboard(page, demo.url);
    await deviceList(page, demo.url, engineApi(page, demo.url, demo.token));
    await deviceChanges(page, demo.url, engineApi(page, demo.url, demo.token), demo.devices.Fridge);
    await devices(page, demo.url, heatPump);
    await shot(page, 'device-desktop');
    const imported = await tariffEditor(page, demo.url);
    const api = engineApi(page, demo.url, demo.token);
    await vatTariff(page, demo.url);
    await compareWithVat(page, demo.url, api);
    await yamlErrorAtItsLine(page, demo.url);
    await roundTrip(page, demo.url, api);
    await cycleFigures(page, demo.url, api);
    await compare(page, demo.url, 'Demo TOU');
    await shot(page, 'compare-desktop');
    await reactivateDemo(page, demo.url);
    await budgets(page, demo.url, api, demo.devices.Fridge);
    await analysisView(page, demo.url, api);
    await ledgerOverview(page, demo.url, api);
    await gasAndWaterTariffs(page, demo.url, api);
    await rankingView(page, demo.url, api, ['Flat saver', VAT_TARIFF, imported]);
    await statementsView(page, demo.url, api);
    await pluginsView(page, demo.url, api, demo.plugin_secret);
    await settingsView(page, demo.url, api, (name) => shot(page, name));
    await page.goto(`${demo.url}#/devices`);
    await page.getByTestId('device-row').first().waitFor();
    await shot(page, 'devices-desktop');
    await live(page, demo.url, api, demo.devices.Fridge, demo.recorded_until);
    await shot(page, 'budgets-desktop');
    await page.goto(`${demo.url}#/tariffs/${encodeURIComponent(imported)}`);
    await page.locator('.heatmap tbody tr').first().waitFor();
    await page.getByLabel('Week from').fill('2026-03-05');
    await page.locator('.heatmap tr.dst').waitFor();
    await shot(page, 'tariffs-desktop');
    check(errors.length === 0, `no page errors (${errors.join('; ')})`);

    const dark = await browser.newContext({ ...VIEWPORTS.desktop, colorScheme: 'dark' });
    const darkPage = (await openWithToken(dark, demo.url, demo.token, 'dark')).page;
    await overviewReady(darkPage);
    const background = await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(background === 'rgb(17, 17, 17)', `dark scheme followed (${background})`);
    await shot(darkPage, 'overview-dark-desktop');
    // Every other view in the dark scheme too (contrast differs).
    for (const [view, ready] of [
      [`devices/${heatPump}`, '#history ~ .chart canvas'],
      ['tariffs/Demo%20TOU', '.heatmap tbody tr'],
      ['compare', '#compare-start'],
      ['budgets', '[data-testid="budget"]'],
      ['analysis', ANALYSIS_DRAWN],
      ['statements', '[data-testid="statement"]'],
      ['ranking', '#f-start'],
      ['plugins', '[data-testid="plugin"]'],
      ['settings', '#f-currency'],
    ]) {
      await darkPage.goto(`${demo.url}#/${view}`);
      await darkPage.locator(ready).first().waitFor();
      await audit(darkPage, `${view.split('/')[0]}-dark`);
    }

    const phone = await browser.newContext({ ...VIEWPORTS.phone, colorScheme: 'light' });
    const phonePage = (await openWithToken(phone, demo.url, demo.token, 'phone')).page;
    await overviewReady(phonePage);
    await fitsWidth(phonePage, 'the overview');
    await shot(phonePage, 'overview-phone');
    await devices(phonePage, demo.url, heatPump);
    await fitsWidth(phonePage, 'the device view');
    await shot(phonePage, 'device-phone');
    // The week the clocks go back: one hour twice.
    await phonePage.goto(`${demo.url}#/tariffs/Demo%20TOU`);
    await phonePage.getByLabel('Week from').fill('2026-10-29');
    await phonePage.locator('.heatmap tr.dst .dst-badge', { hasText: '25 h' }).waitFor();
    check((await phonePage.locator('.heatmap tr.dst td.repeated').count()) === 1, 'one repeated hour in the week clocks go back');
    await fitsWidth(phonePage, 'the tariff editor');
    await shot(phonePage, 'tariffs-phone');
    await compare(phonePage, demo.url, imported);
    await fitsWidth(phonePage, 'the comparison');
    await shot(phonePage, 'compare-phone');
    await phonePage.goto(`${demo.url}#/devices`);
    await phonePage.getByTestId('device-row').first().waitFor();
    await fitsWidth(phonePage, 'the device list');
    await shot(phonePage, 'devices-phone');
    await phonePage.goto(`${demo.url}#/budgets`);
    await phonePage.locator('[data-testid="budget"][data-name="Household"]').waitFor();
    await fitsWidth(phonePage, 'the budgets');
    await shot(phonePage, 'budgets-phone');
    await phonePage.goto(`${demo.url}#/settings`);
    await phonePage.locator('#f-currency').waitFor();
    await fitsWidth(phonePage, 'the settings');
    await shot(phonePage, 'settings-phone');
    for (const [view, ready] of [['analysis', ANALYSIS_DRAWN], ['statements', '[data-testid="statement"]'], ['ranking', '#f-start'],
      ['plugins', '[data-testid="plugin"]']]) {
      await phonePage.goto(`${demo.url}#/${view}`);
      await phonePage.locator(ready).first().waitFor();
      await fitsWidth(phonePage, `the ${view} view`);
      await audit(phonePage, `${view}-phone`);
    }
    await zoomAndPhone(browser, demo.url, demo.token, [['overview', '#cycle-chart ~ .chart canvas'], ['devices', '[data-testid="device-row"]'],
      [`devices/${heatPump}`, '#history ~ .chart canvas'], ['tariffs/Demo%20TOU', '.heatmap tbody tr'], ['compare', '#compare-start'],
      ['budgets', '[data-testid="budget"]'], ['analysis', ANALYSIS_DRAWN], ['statements', '[data-testid="statement"]'], ['ranking', '#f-start'],
      ['settings', '#f-currency']]);
    await loadFigures(browser);
    log(`axe-core ${AXE_VERSION}: no WCAG 2.1 A/AA violation in ${AUDITED.size} views and states (${[...AUDITED].join(', ')})`);
    log('all steps passed');
  } finally {
    await browser.close();
    await stopEngine(child);
  }
}

main().catch((error) => {
  process.stderr.write(`e2e: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
