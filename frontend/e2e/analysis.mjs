// The cost analysis view: spend by month, week and billing cycle (by device and TOU period) as
// the engine's cost rows add up, the bill's components per cycle as `GET /api/v1/bill` answers
// (and each cycle as the bill of that cycle alone), year over year, gas and its own bill, a
// range ending before it starts refused at its field, every control by keyboard, and the CSV
// files downloaded.

import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import { sum } from '../src/lib/decimal.js';
import { addDays, localDate, localMidnight } from '../src/lib/zone.js';
import { audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

/** The view once each of its sections is drawn (they load apart). */
export const ANALYSIS_DRAWN = 'main:has([data-testid="spend-row"]):has([data-testid="yoy-row"]):has([data-testid="bill-row"])';

/**
 * The analysis view's load on PAGE (CPU throttled by the caller): first contentful paint and its
 * spend chart drawn (a year of every device's days, grouped in the browser), median of 3, in ms.
 */
export async function analysisLoad(page, url) {
  const runs = [];
  for (let run = 0; run < 3; run += 1) {
    await page.goto('about:blank');
    await page.goto(`${url}#/analysis`);
    await page.waitForFunction(() => document.querySelector('[aria-labelledby="spend-title"] .chart canvas') !== null, null, { polling: 'raf', timeout: 90_000 });
    runs.push(await page.evaluate(() => ({
      paint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0,
      chart: performance.now(),
    })));
  }
  const median = (key) => Math.round(runs.map((each) => each[key]).sort((a, b) => a - b)[1]);
  return `first paint ${median('paint')} ms, spend chart ${median('chart')} ms (${runs.map((each) => `${Math.round(each.paint)}/${Math.round(each.chart)}`).join(', ')})`;
}

/** The downloaded CSV of clicking BUTTON: its file name and rows (no field here holds a comma). */
async function download(page, button) {
  const [file] = await Promise.all([page.waitForEvent('download'), button.click()]);
  const text = await readFile(await file.path(), 'utf8');
  check(text.endsWith('\r\n'), 'the CSV ends its lines with CRLF');
  return { name: file.suggestedFilename(), rows: text.trimEnd().split('\r\n').map((line) => line.split(',')) };
}

/** Wait until the spend table has been drawn anew for the shown query (its rows' first day FIRST). */
async function spendShown(page, title) {
  await page.locator('#spend-title', { hasText: title }).waitFor();
  await page.getByTestId('spend-row').first().waitFor();
}

/** The engine's cost rows of the query, summed exactly per local day range [first, last]. */
function summedBetween(rows, zone, first, last) {
  return sum(rows.filter((row) => { const date = localDate(zone, row.start); return date >= first && date <= last; }).map((row) => row.cost));
}

export async function analysisView(page, url, api) {
  const summary = await api('GET', 'api/v1/summary');
  const zone = summary.timezone;
  await page.goto(`${url}#/analysis`);
  await page.getByRole('heading', { name: 'Cost analysis', level: 1 }).waitFor();
  await spendShown(page, 'Spend by month, by device');
  await page.getByTestId('bill-row').first().waitFor();
  await page.getByTestId('yoy-row').first().waitFor();
  const from = await page.locator('#f-start').inputValue();
  const to = await page.locator('#f-end').inputValue();
  check(to === localDate(zone) && from.endsWith('-01'), `the last twelve months are shown first (${from} – ${to})`);
  const start = localMidnight(from, zone);
  const end = localMidnight(addDays(to, 1), zone);
  const range = `start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`;

  // Months by device: each row's total is the engine's day rows of its days, added exactly.
  const byDevice = await api('GET', `api/v1/costs?${range}&resolution=day&group=device`);
  const rows = page.getByTestId('spend-row');
  for (let index = 0; index < await rows.count(); index += 1) {
    const row = rows.nth(index);
    const [first, last] = [await row.getAttribute('data-first'), await row.getAttribute('data-last')];
    const shown = await row.getByTestId('spend-row-total').textContent();
    const wanted = await shownMoney(page, summedBetween(byDevice.rows, zone, first, last), byDevice.currency);
    check(shown === wanted, `the spend of ${first} – ${last} is the engine's days added (${shown} = ${wanted})`);
  }
  const spendCsv = await download(page, page.getByTestId('spend-csv'));
  check(spendCsv.name === `aetherlens-electricity-spend-by-month-${from}-${to}.csv`, `the spend CSV is named for what it holds (${spendCsv.name})`);
  check(spendCsv.rows[0][0] === 'from' && spendCsv.rows[0].at(-1) === `total (${byDevice.currency})`, `the spend CSV has a header (${spendCsv.rows[0]})`);
  for (const [first, last, ...amounts] of spendCsv.rows.slice(1)) {
    const total = amounts.at(-1);
    check(total === summedBetween(byDevice.rows, zone, first, last), `the CSV's total of ${first} – ${last} is exact (${total})`);
    check(sum(amounts.slice(0, -1)) === total, `the CSV's devices add up to its total in ${first} – ${last}`);
  }
  check(sum(spendCsv.rows.slice(1).map((row) => row.at(-1))) === sum(byDevice.rows.map((row) => row.cost)), 'the CSV holds every cost row of the range');

  // The bill per cycle: as /bill answers for the range, and each whole cycle as its own bill.
  const bill = await api('GET', `api/v1/bill?${range}`);
  check((await page.getByTestId('bill-total').textContent()) === await shownMoney(page, bill.total, bill.currency), 'the bill total is /bill\'s');
  const totals = await page.getByTestId('bill-totals').locator('td').allTextContents();
  const wantedTotals = await Promise.all([...bill.cycles.map((cycle) => cycle.total), bill.total].map((amount) => shownMoney(page, amount, bill.currency)));
  check(isDeepStrictEqual(totals, wantedTotals), `every cycle's total is /bill's (${totals})`);
  const whole = bill.cycles[1];
  const single = await api('GET', `api/v1/bill?start=${encodeURIComponent(localMidnight(whole.start, zone))}&end=${encodeURIComponent(localMidnight(whole.end, zone))}`);
  check(single.cycles.length === 1 && single.total === whole.total && isDeepStrictEqual(single.cycles[0], whole),
    `the cycle ${whole.start} is billed as its bill alone (${whole.total} = ${single.total})`);
  const fixed = whole.fixed[0];
  const standing = page.locator(`[data-testid="bill-row"][data-name="${fixed.name}"] td`);
  check((await standing.nth(1).textContent()) === await shownMoney(page, fixed.amount, bill.currency), `the standing charge ${fixed.name} is in the table`);
  const billCsv = await download(page, page.getByTestId('bill-csv'));
  check(billCsv.rows[0][0] === `component (${bill.currency})` && billCsv.rows[0].length === bill.cycles.length + 2, `the bill CSV has a header (${billCsv.rows[0]})`);
  check(isDeepStrictEqual(billCsv.rows.at(-1), ['Total', ...bill.cycles.map((cycle) => cycle.total), bill.total]), `the bill CSV's totals are /bill's, exact (${billCsv.rows.at(-1)})`);
  for (let column = 1; column <= bill.cycles.length + 1; column += 1) {
    // Compared as sums: the engine writes 12.50, an exact sum 12.5.
    const [parts, total] = [sum(billCsv.rows.slice(1, -1).map((row) => row[column])), sum([billCsv.rows.at(-1)[column]])];
    check(parts === total, `the bill CSV's components add up to column ${column}'s total (${parts} = ${total})`);
  }
  const energy = whole.energy.reduce((all, line) => all + Number(line.cost), 0);
  check(energy > 0 && (await page.getByTestId('tier-row').count()) === new Set(bill.cycles.flatMap((cycle) => cycle.energy.map((line) => `${line.period}/${line.tier}`))).size,
    'energy by period and tier has a row per period and tier billed');
  await audit(page, 'analysis');

  // Year over year: each month against the same month a year before, as the engine's months.
  const yoyCsv = await download(page, page.getByTestId('yoy-csv'));
  const months = await api('GET', `api/v1/costs?${range}&resolution=month`);
  for (const [month, spent] of yoyCsv.rows.slice(1)) {
    const wanted = sum(months.rows.filter((row) => localDate(zone, row.start).startsWith(month)).map((row) => row.cost));
    check(spent === wanted, `the spend of ${month} is the engine's month (${spent} = ${wanted})`);
  }
  const compared = yoyCsv.rows.slice(1).filter((row) => row[2] !== '');
  check(compared.length > 0 && compared.every((row) => sum([row[2], row[3]]) === row[1]), `months recorded a year before have the change (${compared.map((row) => row.join(' '))})`);

  // By keyboard: weeks split by TOU period, sent with Enter from a field.
  await page.locator('#f-by').focus();
  await page.keyboard.press('ArrowUp'); // Day, Week, Month, Billing cycle: from Month to Week
  await page.locator('#f-split').focus();
  await page.keyboard.press('ArrowDown'); // Total, Device, Time-of-use period: from Device on
  check(await page.locator('#f-by').inputValue() === 'week' && await page.locator('#f-split').inputValue() === 'period', 'the selects follow the arrow keys');
  await page.locator('#f-start').focus();
  await page.keyboard.press('Enter');
  await spendShown(page, 'Spend by week, by time-of-use period');
  const firstWeek = await rows.first().getAttribute('data-first');
  const secondWeek = await rows.nth(1).getAttribute('data-first');
  check(firstWeek === from && new Date(`${secondWeek}T00:00:00Z`).getUTCDay() === 1, `weeks start on Monday, the first at the range's start (${firstWeek}, ${secondWeek})`);
  const periods = (await page.getByTestId('spend-table').locator('thead th').allTextContents()).slice(1, -1);
  const byPeriod = await api('GET', `api/v1/costs?${range}&resolution=day&group=period`);
  check(isDeepStrictEqual(new Set(periods), new Set(byPeriod.rows.map((row) => row.period))), `a column per TOU period (${periods})`);

  // By day: a row for every day with costs, each the engine's day.
  await page.locator('#f-by').selectOption('day');
  await page.getByRole('button', { name: 'Show' }).click();
  await spendShown(page, 'Spend by day, by time-of-use period');
  const days = [...new Set(byPeriod.rows.map((row) => localDate(zone, row.start)))];
  check(await rows.count() === days.length, `a row per day with costs (${await rows.count()} of ${days.length})`);
  const lastDay = rows.last();
  const dayShown = await lastDay.getByTestId('spend-row-total').textContent();
  const dayWanted = await shownMoney(page, summedBetween(byPeriod.rows, zone, days.at(-1), days.at(-1)), byPeriod.currency);
  check(dayShown === dayWanted, `the last day's spend is the engine's (${dayShown} = ${dayWanted})`);

  // By billing cycle: the buckets are the bill's cycles, within the range.
  await page.locator('#f-by').selectOption('cycle');
  await page.getByRole('button', { name: 'Show' }).click();
  await spendShown(page, 'Spend by billing cycle');
  const cycles = await rows.evaluateAll((each) => each.map((row) => row.dataset.first));
  check(isDeepStrictEqual(cycles.slice(1), bill.cycles.slice(1).map((cycle) => cycle.start)), `spend by cycle follows the bill's cycles (${cycles})`);

  // A range ending before it starts is refused at its field, and nothing else changes.
  await page.locator('#f-end').fill(addDays(from, -1));
  await page.getByRole('button', { name: 'Show' }).click();
  await page.locator('#f-end[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-end-error').textContent();
  check(message === 'must not be before the first day', `the end before the start is refused at its field (${message})`);
  await focusMovesTo(page, 'f-end', 'focus moves to the refused end');
  await audit(page, 'analysis with a refused range');
  check((await rows.count()) === cycles.length, 'the refused range leaves the shown figures');
  await page.locator('#f-end').fill(to);

  // Gas: its own costs by cycle, and its own bill (its tariff, its meters, its cycles).
  await page.locator('#f-commodity').selectOption('gas');
  await page.locator('#f-split').selectOption('total');
  await page.getByRole('button', { name: 'Show' }).click();
  await spendShown(page, 'Spend by billing cycle');
  await page.locator('#bill-title', { hasText: 'The gas bill per cycle' }).waitFor();
  await page.getByTestId('bill-row').first().waitFor();
  const gas = await api('GET', `api/v1/costs?${range}&resolution=day&commodity=gas`);
  const gasTotal = await page.getByTestId('spend-total').textContent();
  check(gasTotal === await shownMoney(page, sum(gas.rows.map((row) => row.cost)), gas.currency), `the gas spend is the engine's gas costs (${gasTotal})`);
  const gasBill = await api('GET', `api/v1/bill?${range}&commodity=gas`);
  const ledger = await api('GET', 'api/v1/ledger');
  check(gasBill.tariff === ledger.parts.find((part) => part.commodity === 'gas').tariff, `the gas bill is the gas tariff's (${gasBill.tariff})`);
  const gasTotals = await page.getByTestId('bill-totals').locator('td').allTextContents();
  const wantedGas = await Promise.all([...gasBill.cycles.map((cycle) => cycle.total), gasBill.total].map((amount) => shownMoney(page, amount, gasBill.currency)));
  check(isDeepStrictEqual(gasTotals, wantedGas), `every gas cycle's total is /bill's (${gasTotals})`);
  const gasCycles = await rows.evaluateAll((each) => each.map((row) => row.dataset.first));
  const billed = gasBill.cycles.map((cycle) => cycle.start).filter((first) => gas.rows.some((row) => localDate(zone, row.start) >= first));
  check(gasCycles.slice(1).every((first) => billed.includes(first)), `gas spend by cycle follows the gas bill's cycles (${gasCycles})`);
  await audit(page, 'analysis of gas');
  log(`cost analysis ${from} – ${to}: ${bill.cycles.length} cycles billed ${bill.total} ${bill.currency}, cycle ${whole.start} alone ${single.total}; `
    + `${spendCsv.rows.length - 1} months, ${compared.length} against a year before; gas ${gasTotal}, billed ${gasBill.total} in ${gasBill.cycles.length} cycles; CSV files ${spendCsv.name}, ${billCsv.name}, ${yoyCsv.name}`);
}
