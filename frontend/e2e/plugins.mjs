// The plugins view: the configured instance with the engine's status, errors, requests and their
// cost (its secret never shown), a bad option refused at its field by the plugin's schema, a
// configuration saved, and the instance disabled and enabled again with the keyboard.

import { audit, check, focusMovesTo, log, shownMoney } from './harness.mjs';

const NAME = 'aws';

export async function pluginsView(page, url, api, secret) {
  await page.goto(`${url}#/plugins`);
  await page.getByRole('heading', { name: 'Plugins', level: 1 }).waitFor();
  const card = page.locator(`[data-testid="plugin"][data-name="${NAME}"]`);
  // Its endpoint refuses every connection: the first poll fails, and the page says so.
  await card.getByTestId('plugin-error').waitFor({ timeout: 60_000 });
  const [plugin] = (await api('GET', 'api/v1/plugins')).plugins;
  check(plugin.name === NAME && plugin.last_error !== null && ['degraded', 'failing'].includes(plugin.status), `the plugin failed its polls (${JSON.stringify(plugin)})`);
  const requests = await card.getByTestId('plugin-requests').textContent();
  check(requests.includes(await shownMoney(page, plugin.request_cost, plugin.request_currency)), `the page shows the requests' cost (${requests})`);
  const html = await page.content();
  check(!html.includes(secret) && !JSON.stringify(plugin).includes(secret), 'the secret is neither in the page nor in the API');
  await audit(page, 'plugins');

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
  let [stored] = (await api('GET', 'api/v1/plugins')).plugins;
  check(stored.config.account_name === 'Home AWS' && stored.config.max_attempts === 2 && stored.config.access_key_id === 'AKIADEMO'
    && !('secret_access_key' in stored.config), `the engine runs the new configuration, its secret kept out of sight (${JSON.stringify(stored.config)})`);

  await card.getByRole('button', { name: `Disable ${NAME}` }).focus();
  await page.keyboard.press('Enter');
  await page.locator(`[data-testid="plugin"][data-name="${NAME}"][data-status="disabled"]`).waitFor();
  [stored] = (await api('GET', 'api/v1/plugins')).plugins;
  check(!stored.enabled && stored.status === 'disabled', `the engine disabled it (${stored.status})`);
  await card.getByRole('button', { name: `Enable ${NAME}` }).focus();
  await page.keyboard.press('Enter');
  await page.getByTestId('plugin-notice').filter({ hasText: `Enabled ${NAME}.` }).waitFor();
  [stored] = (await api('GET', 'api/v1/plugins')).plugins;
  check(stored.enabled && stored.status !== 'disabled', `the engine enabled it again (${stored.status})`);
  log(`plugin ${NAME}: ${plugin.status} (${plugin.last_error}); configured, disabled and enabled from the page`);
}
