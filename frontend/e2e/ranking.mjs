// The ranking view: several tariffs chosen (by keyboard), a range refused at its field until
// complete, the bills ranked by total with their components, each the engine's single bill.

import { audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

export async function rankingView(page, url, api, candidates) {
  await page.goto(`${url}#/ranking`);
  await page.getByRole('heading', { name: 'Rank tariffs', level: 1 }).waitFor();
  for (const name of candidates) {
    await page.getByRole('checkbox', { name }).focus();
    await page.keyboard.press('Space');
  }
  const plan = await api('GET', 'api/v1/projection');
  const [first] = plan.cycle.start.split('T');
  await page.locator('#f-start').fill(first);
  await page.getByRole('button', { name: 'Rank' }).click();
  await page.locator('#f-end[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-end-error').textContent();
  check(/give both start and end/.test(message), `the missing end shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-end', 'focus moves to the missing end');
  await audit(page, 'ranking with a refused range');
  await page.locator('#f-start').fill('');
  await page.locator('#f-start').focus();
  await page.keyboard.press('Enter'); // the form is sent from the keyboard: the last full cycle
  const rows = page.getByTestId('ranked-bill');
  await rows.nth(candidates.length).waitFor();
  const ranking = await api('POST', 'api/v1/rank', { tariffs: candidates });
  check(await rows.count() === ranking.bills.length && ranking.bills.length === candidates.length + 1, `every tariff and the active one are ranked (${await rows.count()})`);
  const totals = ranking.bills.map((bill) => Number(bill.total));
  check(totals.every((total, index) => index === 0 || totals[index - 1] <= total), `cheapest first (${totals})`);
  for (const [index, bill] of ranking.bills.entries()) {
    const row = rows.nth(index);
    check((await row.getAttribute('data-tariff')) === bill.tariff, `rank ${index + 1} is ${bill.tariff}`);
    check((await row.getByTestId('ranked-total').textContent()) === await shownMoney(page, bill.total, ranking.currency), `the page shows ${bill.tariff}'s total`);
    if (bill.reference) continue;
    const single = await api('POST', 'api/v1/compare', { tariff: bill.tariff, start: ranking.start, end: ranking.end });
    check(single.alternative.total === bill.total, `${bill.tariff}'s ranked bill is its single bill (${bill.total} = ${single.alternative.total})`);
  }
  await rows.first().getByText('Components').click();
  await rows.first().getByTestId('ranked-lines').locator('tr').first().waitFor();
  await audit(page, 'ranking');
  log(`ranked ${ranking.bills.map((bill) => `${bill.rank}. ${bill.tariff} ${bill.total}`).join(', ')}`);
}
