// What every step of the end-to-end test uses: its log and checks, the axe-core audit, the
// viewports, and the engine's API for the test itself. run.mjs runs the steps; the steps of
// each part of the page live in their own modules beside it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const VIEWPORTS = {
  desktop: { viewport: { width: 1366, height: 900 } },
  phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
};
const require = createRequire(import.meta.url);
// Evaluated rather than added as a script tag: the page's CSP rightly refuses inline scripts.
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const AXE_VERSION = require('axe-core/package.json').version;
// WCAG 2.1 A and AA, the level the page promises.
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
/** Every view audited, by name: each must have been checked once by the end. */
export const AUDITED = new Set();

export function log(message) {
  process.stdout.write(`e2e: ${message}\n`);
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
}

/** Run axe-core on the page as it is now; fail on any WCAG 2.1 A/AA violation, naming its nodes. */
export async function audit(page, name) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  }, WCAG);
  check(violations.length === 0, `axe finds no WCAG 2.1 A/AA violation in ${name}:\n  ${violations.join('\n  ')}`);
  AUDITED.add(name);
}

/** Check that nothing makes a phone's page wider than its screen. */
export async function fitsWidth(page, what) {
  const width = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(width[0] <= VIEWPORTS.phone.viewport.width && width[1] === VIEWPORTS.phone.viewport.width, `${what} fits a phone's width (${width})`);
}

/** The page moves focus after it has drawn the marked fields (in the next frame): wait for it. */
export async function focusMovesTo(page, id, what) {
  const moved = await page.waitForFunction((wanted) => document.activeElement?.id === wanted, id, { timeout: 5_000 }).then(() => true, () => false);
  check(moved, `${what} (focus is on #${await page.evaluate(() => document.activeElement?.id)})`);
}

/** The engine's API for the test itself: to set up what a user would have, and to read back what the page stored. */
export function engineApi(page, url, token) {
  return async (method, path, data) => {
    const response = await page.request.fetch(new URL(path, url).href, { method, headers: { Authorization: `Bearer ${token}` }, data });
    check(response.ok(), `${method} ${path} answered ${response.status()}: ${await response.text()}`);
    return response.status() === 204 ? null : response.json();
  };
}

/** An amount as the page shows it (the browser's own currency format). */
export function shownMoney(page, amount, currency) {
  return page.evaluate(([value, code]) => new Intl.NumberFormat(undefined, { style: 'currency', currency: code }).format(Number(value)), [amount, currency]);
}

/**
 * Whether the engine's decimal texts PARTS ("-12.3456…") add up to TOTAL to the cent: added
 * exactly (as BigInts), the sum and the total each rounded half up to the cent.
 */
export function addsUp(parts, total) {
  const split = [...parts, total].map((amount) => {
    const [, sign, whole, fraction = ''] = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(amount)) ?? [];
    check(whole !== undefined, `${amount} is an exact decimal`);
    return { sign, whole, fraction };
  });
  const places = Math.max(2, ...split.map((each) => each.fraction.length));
  const values = split.map(({ sign, whole, fraction }) => (sign ? -1n : 1n) * BigInt(`${whole}${fraction.padEnd(places, '0')}`));
  const unit = 10n ** BigInt(places - 2);
  const toCents = (value) => (value < 0n ? -1n : 1n) * (((value < 0n ? -value : value) + unit / 2n) / unit);
  const sum = values.slice(0, -1).reduce((left, value) => left + value, 0n);
  return toCents(sum) === toCents(values[values.length - 1]);
}
