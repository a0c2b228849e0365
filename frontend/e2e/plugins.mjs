// The plugins view: the configured instance with the engine's status, errors, requests and their
// cost (its secret never shown), a bad option refused at its field by the plugin's schema, a
// configuration saved, and the instance disabled and enabled again with the keyboard; an
// instance whose plugin is not installed shown unavailable with the engine's error.

import { audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

const NAME = 'aws';
const UNAVAILABLE = 'community';

/** The instance NAME in the engine's list. */
const instance = async (api, name) => (await api('GET', 'api/v1/plugins')).plugins.find((plugin) => plugin.name === name);

export async function pluginsView(page, url, api, secret) {
  await page.goto(`${url}#/plugins`);
  await page.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
  const card = page.locator(`[data-testid="plugin"][data-name="${NAME}"]`);
  // Its endpoint refuses every connection: the first poll fails, and the page says so.
  await card.getByTestId('plugin-error').waitFor({ timeout: 60_000 });
  const plugin = await instance(api, NAME);
  check(plugin.name === NAME && plugin.last_error !== null && ['degraded', 'failing'].includes(plugin.status), `the plugin failed its polls (${JSON.stringify(plugin)})`);
  const requests = await card.getByTestId('plugin-requests').textContent();
  check(requests.includes(await shownMoney(page, plugin.request_cost, plugin.request_currency)), `the page shows the requests' cost (${requests})`);
  const html = await page.content();
  check(!html.includes(secret) && !JSON.stringify(plugin).includes(secret), 'the secret is neither in the page nor in the API');
  await audit(page, 'plugins');

  const gone = await instance(api, UNAVAILABLE);
  check(gone.status === 'unavailable' && gone.last_error.includes('community_tariff_feed'), `the engine reports the missing plugin (${JSON.stringify(gone)})`);
  const goneCard = page.locator(`[data-testid="plugin"][data-name="${UNAVAILABLE}"][data-status="unavailable"]`);
  const shownError = await goneCard.getByTestId('plugin-error').textContent();
  check(shownError === gone.last_error, `the page shows its error (${shownError})`);
  const shownStatus = await goneCard.getByTestId('plugin-status').textContent();
  check(/failed to install or load/.test(shownStatus), `the page says it is unavailable (${shownStatus})`);
  check(await goneCard.getByRole('button').count() === 0, 'nothing to enable or configure on an unavailable plugin');

  const field = `f-${NAME}-config-max_attempts`;
  await page.locator(`#f-${NAME}-config-account_name`).fill('Home AWS');
  await page.locator(`#${field}`).fill('0');
  await card.getByRole('button', { name: `Save ${NAME}'s configuration` }).click();
  await page.locator(`#${field}[aria-invalid="true"]`).waitFor();
  const message = await page.locator(`#${field}-error`).textContent();
  check(/at least 1/.test(message), `the option shows the plugin's message (${message})`);
  await focusMovesTo(page, field, 'focus moves to the refused option');
  await audit(page, 'plugins with a refused option');
  await page.locator(`#${field}`).fill('2');
  await card.getByRole('button', { name: `Save ${NAME}'s configuration` }).click();
  await page.getByTestId('plugin-notice').filter({ hasText: `Saved ${NAME}` }).waitFor();
  let stored = await instance(api, NAME);
  check(stored.config.account_name === 'Home AWS' && stored.config.max_attempts === 2 && stored.config.access_key_id === 'AKIADEMO'
    && !('secret_access_key' in stored.config), `the engine runs the new configuration, its secret kept out of sight (${JSON.stringify(stored.config)})`);

  await card.getByRole('button', { name: `Disable ${NAME}` }).focus();
  await page.keyboard.press('Enter');
  await page.locator(`[data-testid="plugin"][data-name="${NAME}"][data-status="disabled"]`).waitFor();
  stored = await instance(api, NAME);
  check(!stored.enabled && stored.status === 'disabled', `the engine disabled it (${stored.status})`);
  await card.getByRole('button', { name: `Enable ${NAME}` }).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('plugin-notice').filter({ hasText: `Enabled ${NAME}.` }).waitFor();
  stored = await instance(api, NAME);
  check(stored.enabled && stored.status !== 'disabled', `the engine enabled it again (${stored.status})`);
  log(`plugin ${NAME}: ${plugin.status} (${plugin.last_error}); configured, disabled and enabled from the page`);
  log(`plugin ${UNAVAILABLE}: unavailable, its error shown (${gone.last_error})`);
}
