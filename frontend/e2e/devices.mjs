// End-to-end steps of the device list's changes: a device renamed and left out of the household
// total in the page, a bad name refused at its field by the engine first; then put back as it
// was (later steps find the demo's devices by their names). Run from run.mjs.

import { audit, check, focusMovesTo, log } from './harness.mjs';

/**
 * @param {import('playwright-core').Page} page
 * @param {string} url
 * @param {Function} api the engine's API (harness.mjs's engineApi)
 * @param {number} deviceId the device changed
 */
export async function deviceChanges(page, url, api, deviceId) {
  const original = (await api('GET', 'api/v1/devices')).devices.find((device) => device.id === deviceId);
  const name = 'Kitchen fridge';
  await page.goto(`${url}#/devices`);
  const row = page.locator(`[data-testid="device-row"][data-id="${deviceId}"]`);
  await row.waitFor();
  const trend = await row.locator('.trend').textContent();
  check(/up|down|steady|—/.test(trend ?? ''), `the row shows its trend in words (${trend})`);
  const cycle = await page.getByTestId('device-cycle').textContent();
  check(/This cycle:/.test(cycle ?? ''), `the list says which cycle it shows (${cycle})`);

  // Opened, refused and saved with the keyboard alone.
  await row.getByRole('button', { name: `Edit ${original.name}` }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: `Edit ${original.name}`, level: 2 }).waitFor();
  await focusMovesTo(page, 'f-display_name', 'editing starts at the name');
  await page.keyboard.type('x'.repeat(101));
  await page.keyboard.press('Enter');
  await page.locator('#f-display_name[aria-invalid="true"]').waitFor();
  const message = await page.locator('#f-display_name-error').textContent();
  check(/at most 100 characters/.test(message ?? ''), `the name shows the engine's message (${message})`);
  await focusMovesTo(page, 'f-display_name', 'focus moves to the bad name');
  await audit(page, 'devices with a refused name');
  check((await api('GET', 'api/v1/devices')).devices.find((device) => device.id === deviceId).name === original.name,
    'the engine kept the name it had');
  await page.locator('#f-display_name').fill(name);
  await page.locator('#f-in_household').focus();
  await page.keyboard.press('Space');
  await page.locator('#f-display_name').focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('device-notice').filter({ hasText: `Saved ${name}.` }).waitFor();
  await focusMovesTo(page, `edit-device-${deviceId}`, 'focus returns to the row');
  await row.locator('[data-testid="left-out"]').waitFor();
  check(await row.getAttribute('data-in-household') === 'false', 'the row says it is left out');
  check((await row.locator('th a').textContent()) === name, 'the row has its new name');
  let stored = (await api('GET', 'api/v1/devices')).devices.find((device) => device.id === deviceId);
  check(stored.display_name === name && stored.in_household === false && stored.source_name === original.source_name,
    `the engine stored the change (${JSON.stringify(stored)})`);
  const summary = await api('GET', 'api/v1/summary');
  check(summary.devices.find((device) => device.id === deviceId)?.name === name, 'the summary (Home Assistant) follows');
  await audit(page, 'devices with one left out');

  // Back as it was: an empty name is the source's again.
  await row.getByRole('button', { name: `Edit ${name}` }).click();
  await page.locator('#f-display_name').fill('');
  await page.locator('#f-in_household').check();
  await page.getByRole('button', { name: 'Save device' }).click();
  await page.getByTestId('device-notice').filter({ hasText: `Saved ${original.name}.` }).waitFor();
  stored = (await api('GET', 'api/v1/devices')).devices.find((device) => device.id === deviceId);
  check(stored.name === original.name && stored.display_name === null && stored.in_household === true,
    `the device is back as it was (${JSON.stringify(stored)})`);
  log(`device renamed to ${name} and left out of the household, a 101-character name refused, then put back`);
}
