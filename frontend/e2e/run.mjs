// End-to-end test of the ingress page in a real headless Chromium (Debian's, never downloaded)
// against a real engine with demo data (tests/web/demo_engine.py). Takes screenshots at phone
// and desktop widths; with --screenshots it saves them into docs/screenshots/ (the README's).
// Exits non-zero on the first failed step.
//
//   node e2e/run.mjs [--screenshots]   (inside scripts/devenv; CHROMIUM and PYTHON may override paths)

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SHOTS = `${REPO}docs/screenshots`;
const SAVE_SHOTS = process.argv.includes('--screenshots');
const URDB_FILE = `${REPO}tests/web/urdb_rate.json`;
const VIEWPORTS = {
  desktop: { viewport: { width: 1366, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};
const TIMEOUT = 30_000;

function log(message) {
  process.stdout.write(`e2e: ${message}\n`);
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Start the demo engine; resolve with { url, token, devices } and the process. */
function startEngine() {
  const child = spawn(process.env.PYTHON ?? 'python', [`${REPO}tests/web/demo_engine.py`], {
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

async function openWithToken(context, url, token) {
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // Failed requests are judged by their answers below; other console errors are page errors.
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text());
  });
  page.on('response', (response) => {
    const expected = response.status() === 422 && response.url().endsWith('/api/v1/tariffs/validate');
    if (response.status() >= 400 && !expected) errors.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.getByRole('heading', { name: 'Overview', level: 1 }).waitFor();
  return { page, errors };
}

async function shot(page, name) {
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

/** Check that nothing makes a phone's page wider than its screen. */
async function fitsWidth(page, what) {
  const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(width[0] <= VIEWPORTS.phone.viewport.width && width[1] === VIEWPORTS.phone.viewport.width, `${what} fits a phone's width (${width})`);
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
  await page.getByRole('button', { name: 'Year' }).waitFor();
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
  check(await page.evaluate(() => document.activeElement.id === 'f-energy-price'), 'focus moves to the first invalid field');
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
  await page.getByLabel('Alternative').selectOption(alternative);
  await page.getByRole('button', { name: 'Compare' }).click();
  await page.getByTestId('difference').waitFor();
  await page.getByTestId('current-total').waitFor();
  await page.getByTestId('alternative-total').waitFor();
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
    const { page, errors } = await openWithToken(desktop, demo.url, demo.token);
    log(`overview drawn in ${await timeOverview(page, demo.url)} ms`);
    await shot(page, 'overview-desktop');
    await keyboard(page, demo.url);
    await devices(page, demo.url, heatPump);
    await shot(page, 'device-desktop');
    const imported = await tariffEditor(page, demo.url);
    await compare(page, demo.url, 'Demo TOU');
    await shot(page, 'compare-desktop');
    await reactivateDemo(page, demo.url);
    await page.goto(`${demo.url}#/tariffs/${encodeURIComponent(imported)}`);
    await page.locator('.heatmap tbody tr').first().waitFor();
    await page.getByLabel('Week from').fill('2026-03-05');
    await page.locator('.heatmap tr.dst').waitFor();
    await shot(page, 'tariffs-desktop');
    check(errors.length === 0, `no page errors (${errors.join('; ')})`);

    const dark = await browser.newContext({ ...VIEWPORTS.desktop, colorScheme: 'dark' });
    const darkPage = (await openWithToken(dark, demo.url, demo.token)).page;
    await overviewReady(darkPage);
    const background = await darkPage.evaluate(() => getComputedStyle(document.body).backgroundColor);
    check(background === 'rgb(17, 17, 17)', `dark scheme followed (${background})`);
    await shot(darkPage, 'overview-dark-desktop');

    const phone = await browser.newContext({ ...VIEWPORTS.phone, colorScheme: 'light' });
    const phonePage = (await openWithToken(phone, demo.url, demo.token)).page;
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
