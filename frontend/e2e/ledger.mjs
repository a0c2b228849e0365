// The household ledger on the overview (electricity, gas, water, cloud: its total the exact sum of
// its parts, as the engine's), and gas and water tariffs made in the tariff editor's form.

import { isDeepStrictEqual } from 'node:util';
import { addsUp, audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

const COMMODITIES = ['electricity', 'gas', 'water', 'cloud'];
const FIGURES = ['today', 'month', 'cycle_so_far'];

/** What the ledger's table shows: each row's amounts, by commodity, and the total's. */
async function shownLedger(page) {
  const cells = async (row) => (await row.locator('td').allTextContents()).slice(0, FIGURES.length);
  const parts = {};
  for (const row of await page.getByTestId('ledger-part').all()) parts[await row.getAttribute('data-commodity')] = await cells(row);
  return { parts, total: await cells(page.getByTestId('ledger-total')) };
}

/** The engine's LEDGER as the page would show it. */
async function expectedLedger(page, ledger) {
  const amounts = (figures) => Promise.all(FIGURES.map((field) => shownMoney(page, figures[field], ledger.currency)));
  const parts = {};
  for (const part of ledger.parts) parts[part.commodity] = await amounts(part);
  return { parts, total: await amounts(ledger.total) };
}

/** The overview's ledger: every commodity, the engine's figures, a total that is the sum of the parts to the cent. */
export async function ledgerOverview(page, url, api) {
  await page.goto(`${url}#/overview`);
  await page.getByTestId('ledger-total').waitFor();
  let ledger;
  let shown;
  let expected;
  // The page's answer and the test's are read a moment apart: across an hour's turn they may differ.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    ledger = await api('GET', 'api/v1/ledger');
    shown = await shownLedger(page);
    expected = await expectedLedger(page, ledger);
    if (isDeepStrictEqual(shown, expected)) break;
    await page.reload();
    await page.getByTestId('ledger-total').waitFor();
  }
  check(isDeepStrictEqual(ledger.parts.map((part) => part.commodity), COMMODITIES), `the ledger has every commodity (${ledger.parts.map((part) => part.commodity)})`);
  check(isDeepStrictEqual(shown, expected), `the page shows the engine's ledger (${JSON.stringify(shown)}; ${JSON.stringify(expected)})`);
  for (const field of FIGURES) {
    check(addsUp(ledger.parts.map((part) => part[field]), ledger.total[field]), `the ledger's ${field} is the sum of its parts to the cent (${ledger.total[field]}; ${ledger.parts.map((part) => part[field])})`);
  }
  // A part's grid connections, shown under it when one has a tariff of its own: each the engine's.
  const own = ledger.parts.flatMap((part) => (part.connections.some((each) => each.connection !== null) ? part.connections : []));
  const rows = await page.getByTestId('ledger-connection').all();
  check(rows.length === own.length, `the page shows each grid connection of the engine's ledger (${rows.length}; ${own.length})`);
  for (const [index, row] of rows.entries()) {
    const cells = (await row.locator('td').allTextContents()).slice(0, FIGURES.length);
    const wanted = await Promise.all(FIGURES.map((field) => shownMoney(page, own[index][field], ledger.currency)));
    check(isDeepStrictEqual(cells, wanted), `grid connection ${own[index].connection} shows the engine's figures (${cells}; ${wanted})`);
  }
  for (const commodity of ['gas', 'water']) {
    const part = ledger.parts.find((each) => each.commodity === commodity);
    check(part.tariff !== null && Number(part.month) > 0, `${commodity} is priced by its tariff (${JSON.stringify(part)})`);
  }
  await audit(page, 'overview with the ledger');
  log(`ledger this month: ${ledger.parts.map((part) => `${part.commodity} ${part.month}`).join(' + ')} = ${ledger.total.month} ${ledger.currency}`);
}

/** Save the form's tariff after a refused value is fixed at its field; return the stored definition. */
async function saveAfterRefusal(page, api, name, field, bad, good, pattern) {
  await page.locator(`#${field}`).fill(bad);
  await page.getByRole('button', { name: 'Validate' }).click();
  await page.locator(`#${field}[aria-invalid="true"]`).waitFor();
  const message = await page.locator(`#${field}-error`).textContent();
  check(pattern.test(message), `#${field} shows the engine's message (${message})`);
  await focusMovesTo(page, field, `focus moves to the refused #${field}`);
  await audit(page, `tariff editor with a refused ${field}`);
  await page.locator(`#${field}`).fill(good);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByRole('heading', { name: `Tariff ${name}`, level: 1 }).waitFor();
  await page.locator('#tariff-message', { hasText: `Saved ${name} version 1` }).waitFor();
  const stored = await api('GET', `api/v1/tariffs/${encodeURIComponent(name)}`);
  return stored.versions[0].definition;
}

/** A gas tariff per kWh with its calorific conversion, and a water tariff with sewage, made in the form. */
export async function gasAndWaterTariffs(page, url, api) {
  const { timezone, currency } = await api('GET', 'api/v1/summary');
  await page.goto(`${url}#/tariffs`);
  await page.getByRole('heading', { name: 'New tariff', level: 1 }).waitFor();
  await page.locator('#f-name').fill('Gas saver');
  await page.locator('#f-commodity').selectOption('gas');
  check(await page.locator('#f-unit').inputValue() === 'm³', 'a gas tariff is per m³ until it converts');
  await page.getByRole('button', { name: 'Add conversion period' }).click();
  await page.locator('#f-conversion-0-from').fill('2025-01-01');
  await page.locator('#f-conversion-0-volume_correction').fill('0.98');
  await page.locator('#f-unit').selectOption('kWh');
  await page.getByLabel('Price per kWh').fill('0.058');
  const gas = await saveAfterRefusal(page, api, 'Gas saver', 'f-conversion-0-calorific_value', '38,3', '38.3', /number/);
  const wantedGas = {
    name: 'Gas saver', commodity: 'gas', unit: 'kWh', currency, timezone, energy: { price: 0.058 },
    conversion: [{ from: '2025-01-01', calorific_value: 38.3, volume_correction: 0.98 }],
  };
  check(isDeepStrictEqual(gas, wantedGas), `the engine stored the gas tariff as made (${JSON.stringify(gas)})`);

  await page.goto(`${url}#/tariffs`);
  await page.getByRole('heading', { name: 'New tariff', level: 1 }).waitFor();
  await page.locator('#f-name').fill('Water saver');
  await page.locator('#f-commodity').selectOption('water');
  await page.getByLabel('Price per m³').fill('1.70');
  await page.getByRole('button', { name: 'Add sewage charge' }).click();
  await page.locator('#f-sewage-price').fill('2.20');
  const water = await saveAfterRefusal(page, api, 'Water saver', 'f-sewage-share', '1.5', '0.9', /share/);
  const wantedWater = { name: 'Water saver', commodity: 'water', currency, timezone, energy: { price: '1.70' }, sewage: { price: '2.20', share: 0.9 } };
  check(isDeepStrictEqual(water, wantedWater), `the engine stored the water tariff as made (${JSON.stringify(water)})`);
  for (const name of ['Gas saver', 'Water saver']) await api('DELETE', `api/v1/tariffs/${encodeURIComponent(name)}`);
  log('a gas tariff with its conversion and a water tariff with sewage made in the form');
}
