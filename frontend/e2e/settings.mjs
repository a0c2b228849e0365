// The settings view: each setting changed from the page and saved in the engine, a bad value
// refused at its field (the engine's message beside it, the focus on it), a Home Assistant
// instance added with the keyboard, the restart-needed notice for what waits for a restart,
// and everything saved back to the configuration's values, which the engine then follows again.

import { audit, check, focusMovesTo, log } from './harness.mjs';

const TOKEN = 'cabin-token-made-up-for-the-test';

/** Save the form with the keyboard: Tab lands on the button, Enter presses it. */
async function saveByKeyboard(page) {
  await page.getByRole('button', { name: 'Save settings' }).focus();
  await page.keyboard.press('Enter');
}

async function refusedAt(page, id, pattern, what) {
  await page.locator(`#${id}[aria-invalid="true"]`).waitFor();
  const message = await page.locator(`#${id}-error`).textContent();
  check(pattern.test(message), `${what}: the engine's message is at the field (${message})`);
  await focusMovesTo(page, id, `focus moves to ${what}`);
}

/** SHOOT(name) takes the view's screenshot while it waits for a restart. */
export async function settingsView(page, url, api, shoot) {
  const before = await api('GET', 'api/v1/settings');
  check(before.saved.length === 0 && before.restart_required.length === 0, `the configuration's settings to begin with (${JSON.stringify(before)})`);
  await page.goto(`${url}#/settings`);
  await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
  check(await page.locator('#f-currency').inputValue() === before.currency, 'the page shows the engine\'s currency');
  await audit(page, 'settings');

  // A bad value is refused at its field, with the configuration's own rule.
  await page.locator('#f-retention-raw_days').fill('0');
  await saveByKeyboard(page);
  await refusedAt(page, 'f-retention-raw_days', /at least 1/, 'the refused retention');
  await audit(page, 'settings with a refused value');
  check((await api('GET', 'api/v1/settings')).retention.raw_days === before.retention.raw_days, 'nothing was saved');

  // Every setting changed; an instance added with the keyboard, first without its token.
  await page.locator('#f-retention-raw_days').fill('120');
  await page.locator('#f-retention-hourly_days').fill('400');
  await page.locator('#f-currency').fill('CAD');
  await page.locator('#f-timezone').fill('America/Toronto');
  await page.getByRole('button', { name: 'Add an instance' }).focus();
  await page.keyboard.press('Enter');
  await focusMovesTo(page, 'f-homeassistant-0-name', 'focus moves to the new instance');
  await page.keyboard.type('cabin');
  await page.locator('#f-homeassistant-0-url').fill('ws://127.0.0.1:9/api/websocket');
  await page.locator('#f-homeassistant-0-include').fill('sensor.cabin_*, sensor.sauna_energy');
  await page.locator('#f-homeassistant-0-exclude').fill('sensor.cabin_test');
  await saveByKeyboard(page);
  await refusedAt(page, 'f-homeassistant-0-token', /'token' is required for cabin/, 'the missing token');
  await page.keyboard.type(TOKEN);
  await saveByKeyboard(page);
  await page.getByTestId('settings-notice').filter({ hasText: 'Saved the settings.' }).waitFor();
  const notice = page.getByTestId('restart-notice');
  await notice.filter({ hasText: 'Restart the engine to apply the currency, the time zone, Home Assistant cabin' }).waitFor();
  await shoot('settings-desktop');
  const saved = await api('GET', 'api/v1/settings');
  check(saved.currency === 'CAD' && saved.timezone === 'America/Toronto' && saved.retention.raw_days === 120 && saved.retention.hourly_days === 400,
    `the engine saved them (${JSON.stringify(saved)})`);
  const [cabin] = saved.homeassistant;
  check(cabin.name === 'cabin' && cabin.include.join() === 'sensor.cabin_*,sensor.sauna_energy' && cabin.exclude.join() === 'sensor.cabin_test',
    `the instance and its include/exclude (${JSON.stringify(cabin)})`);
  // Retention applies at once: it is not among what waits for the restart.
  check(saved.restart_required.join() === 'currency,timezone,homeassistant[0]', `what waits for a restart (${saved.restart_required})`);
  check(!JSON.stringify(saved).includes(TOKEN) && !(await page.content()).includes(TOKEN), 'the token is neither in the API nor in the page');
  check(await page.getByTestId('origin-retention').textContent() === 'Saved here', 'the retention is marked as saved here');
  await page.reload();
  await page.getByTestId('restart-notice').filter({ hasText: 'Home Assistant cabin' }).waitFor(); // still, until a restart

  // Back to the configuration's values, the instance removed with the keyboard: the file rules again.
  await page.getByRole('button', { name: 'Remove Home Assistant cabin' }).focus();
  await page.keyboard.press('Enter');
  await page.locator('#f-retention-raw_days').fill(String(before.retention.raw_days));
  await page.locator('#f-retention-hourly_days').fill(String(before.retention.hourly_days));
  await page.locator('#f-currency').fill(before.currency);
  await page.locator('#f-timezone').fill(before.timezone);
  await saveByKeyboard(page);
  await page.getByTestId('origin-retention').filter({ hasText: 'From the configuration' }).waitFor();
  check((await notice.textContent()).trim() === '', 'nothing waits for a restart any more');
  const after = await api('GET', 'api/v1/settings');
  check(after.saved.length === 0 && after.restart_required.length === 0 && after.homeassistant.length === 0, `the engine follows the configuration again (${JSON.stringify(after)})`);
  log('settings: a bad retention and a missing token refused at their fields; currency, time zone, retention and an instance saved, the restart-needed notice shown, then all back to the configuration\'s');
}
