// The statements view: a paper bill recorded with its lines (a bad amount refused at its field
// first), its residual against the engine's bill line by line, the calibration applied as a new
// tariff version only on its button, a CSV import and a Green Button upload (bad ones refused,
// naming the line or element).

import { readFileSync } from 'node:fs';
import { audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

const GREEN_BUTTON = new URL('../../tests/engine/meterdata/household.xml', import.meta.url);
const RIDER = 12.34;

/** "-12.3" → cents, exactly. */
function cents(amount) {
  const [, sign, whole, fraction = ''] = /^(-?)(\d+)(?:\.(\d*))?$/.exec(amount);
  const value = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return sign ? -value : value;
}

const decimal = (value) => `${value < 0 ? '-' : ''}${Math.floor(Math.abs(value) / 100)}.${String(Math.abs(value) % 100).padStart(2, '0')}`;

/** The first day of the month before ISO date DAY's. */
function monthBefore(day) {
  const [year, month] = day.split('-').map(Number);
  return month === 1 ? `${year - 1}-12-01` : `${year}-${String(month - 1).padStart(2, '0')}-01`;
}

/** Fill line INDEX of the statement form. */
async function fillLine(page, index, kind, name, amount) {
  await page.locator(`#f-lines-${index}-kind`).selectOption(kind);
  await page.locator(`#f-lines-${index}-name`).fill(name);
  await page.locator(`#f-lines-${index}-amount`).fill(amount);
}

/** Record last cycle's bill, with a rider the tariff lacks; the calibration finds it and is applied. */
async function recordAndCalibrate(page, url, api) {
  const plan = await api('GET', 'api/v1/projection');
  const end = plan.cycle.start;
  const start = monthBefore(end);
  const { bills: [reference] } = await api('POST', 'api/v1/rank', { tariffs: [] });
  const energy = reference.cycles.flatMap((cycle) => cycle.energy).reduce((sum, line) => sum + cents(line.cost), 0);
  const total = decimal(cents(reference.total) + Math.round(RIDER * 100));
  await page.goto(`${url}#/statements`);
  await page.getByRole('heading', { name: 'Statements', level: 1 }).waitFor();
  await page.locator('#f-start').fill(start);
  await page.locator('#f-end').fill(end);
  await page.locator('#f-total').fill(total);
  await fillLine(page, 0, 'energy', 'Energy', decimal(energy));
  await page.getByRole('button', { name: 'Add line' }).click();
  await fillLine(page, 1, 'standing', 'Meter', '9,90');
  await page.getByRole('button', { name: 'Add line' }).click();
  await fillLine(page, 2, 'rider', 'Grid rider', RIDER.toFixed(2));
  await page.getByRole('button', { name: 'Record statement' }).click();
  await page.locator('#f-lines-1-amount[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-lines-1-amount-error').textContent();
  check(/exact decimal/.test(message), `the line's amount shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-lines-1-amount', 'focus moves to the refused amount');
  await audit(page, 'statements with a refused amount');
  await page.locator('#f-lines-1-amount').fill('9.90');
  await page.getByRole('button', { name: 'Record statement' }).click();
  await page.getByTestId('statement-notice').filter({ hasText: `Recorded the statement of ${start}` }).waitFor();
  const [stored] = (await api('GET', 'api/v1/statements')).statements;
  check(stored.start === start && stored.end === end && stored.total === total && stored.lines.length >= 3, `the engine stored the statement (${JSON.stringify(stored)})`);
  check(Math.abs(Number(stored.residual) - RIDER) <= 0.01 && stored.over_threshold, `the residual is the rider (${stored.residual})`);
  const item = page.locator(`[data-testid="statement"][data-id="${stored.id}"]`);
  await item.waitFor();
  const residual = await item.getByTestId('statement-residual').textContent();
  check(residual === `residual ${await shownMoney(page, stored.residual, stored.currency)}`, `the page shows the residual (${residual})`);
  const rider = item.getByTestId('statement-line').filter({ hasText: 'Grid rider' });
  check((await rider.locator('td').last().textContent()) === await shownMoney(page, '12.34', stored.currency), 'the rider line has its residual');

  // The proposal is shown, and applied only on its button (with the keyboard).
  await page.getByTestId('calibration').waitFor();
  const proposal = await api('GET', 'api/v1/statements/calibration');
  check(proposal.explains && proposal.statements.every((left) => Math.abs(Number(left.residual_after)) <= 0.01),
    `the calibration explains the rider (${JSON.stringify(proposal.statements)}: ${proposal.name} ${proposal.amount} ${proposal.basis})`);
  check((await page.getByTestId('calibration-amount').textContent()) === proposal.amount, 'the page shows the proposed amount');
  const versions = (await api('GET', `api/v1/tariffs/${encodeURIComponent(proposal.tariff)}`)).versions.length;
  await audit(page, 'statements with a calibration');
  await page.getByRole('button', { name: `Apply as new version of ${proposal.tariff}` }).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('calibration-applied').filter({ hasText: `Saved ${proposal.tariff} version ${versions + 1}` }).waitFor();
  await page.locator('[data-testid="recompute"][data-state="done"]').waitFor({ timeout: 120_000 });
  const after = (await api('GET', 'api/v1/statements')).statements.find((each) => each.id === stored.id);
  check(Math.abs(Number(after.residual)) <= 0.01 && !after.over_threshold, `the new version leaves no residual (${after.residual})`);
  log(`statement ${start} – ${end}: residual ${stored.residual}, calibrated with ${proposal.name} ${proposal.amount} ${proposal.basis}, residual now ${after.residual}`);
  return start;
}

/** Statements from CSV: a bad amount named by its line first. */
async function importCsv(page, before) {
  const start = monthBefore(before);
  const header = 'start,end,kind,name,amount,period,tier,kwh';
  const rows = (amount) => [header, `${start},${before},total,Total,${amount},,,`, `${start},${before},standing,Meter,9.90,,,`].join('\n');
  const area = page.locator('#f-csv');
  await area.fill(rows('ninety'));
  await page.getByRole('button', { name: 'Import', exact: true }).first().click();
  await page.locator('#f-csv[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-csv-error').textContent();
  check(/line 2/.test(message), `the CSV's error names its line (${message})`);
  await focusMovesTo(page, 'f-csv', 'focus moves to the CSV');
  await area.fill(rows('95.10'));
  await page.getByRole('button', { name: 'Import', exact: true }).first().click();
  await page.getByTestId('statement-notice').filter({ hasText: 'Imported 1 statement.' }).waitFor();
  await page.locator('[data-testid="statement"]').nth(1).waitFor();
}

/** A Green Button download: a bad one refused naming its element, then imported as a meter. */
async function greenButton(page) {
  const good = readFileSync(GREEN_BUTTON, 'utf8');
  const bad = good.replace('<uom>72</uom>', '<uom>38</uom>');
  check(bad !== good, 'the bad file differs from the good one');
  const upload = page.locator('section', { has: page.getByRole('heading', { name: 'Import meter data' }) });
  await upload.getByLabel('Format').selectOption('greenbutton');
  await page.locator('#f-content').setInputFiles({ name: 'bad.xml', mimeType: 'application/xml', buffer: Buffer.from(bad) });
  await upload.getByRole('button', { name: 'Import' }).click();
  await page.locator('#f-content[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-content-error').textContent();
  check(/^ReadingType \(line \d+\): uom 38/.test(message), `the file's error names its element (${message})`);
  await audit(page, 'statements with a refused meter-data file');
  await page.locator('#f-content').setInputFiles({ name: 'household.xml', mimeType: 'application/xml', buffer: Buffer.from(good) });
  await upload.getByRole('button', { name: 'Import' }).click();
  const result = await page.getByTestId('meter-data-result').textContent();
  check(/Imported 1 meter \(greenbutton\); 1 billed period new/.test(result), `the file is imported (${result})`);
  log(`Green Button file imported: ${result}`);
}

export async function statementsView(page, url, api) {
  const start = await recordAndCalibrate(page, url, api);
  await importCsv(page, start);
  await greenButton(page);
}
