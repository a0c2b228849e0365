// End-to-end steps at 200 % zoom (the desktop's 1366 × 900 at a device scale of 2: 683 CSS px
// wide) and at a phone's 390 px: every view without horizontal overflow, every action it shows
// reachable by Tab, and axe-core's audit at 200 %. Run from run.mjs.

import { VIEWPORTS, audit, check, log } from './harness.mjs';

export const ZOOMED = { viewport: { width: 683, height: 450 }, deviceScaleFactor: 2 };
// Enough Tab presses to pass every control of the longest view (the tariff editor) and wrap.
const MOST_TABS = 600;

/** Fail if the page is wider than its viewport (a horizontal scroll bar). */
async function noOverflow(page, what) {
  const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(scroll <= inner, `${what} has no horizontal overflow (${scroll} > ${inner} px)`);
}

/**
 * Tab through the page from its top: every visible control (link, button, field, focusable
 * region) must receive the focus. Returns how many there are.
 */
async function everyControlByTab(page, what) {
  const count = await page.evaluate(() => {
    const selector = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';
    const shown = [...document.querySelectorAll(selector)].filter((element) => element.getClientRects().length > 0
      && getComputedStyle(element).visibility !== 'hidden' && !element.closest('[inert], [aria-hidden="true"]'));
    // A group of radio buttons is one stop of Tab (arrow keys choose within it).
    const keys = shown.map((element, index) => (element instanceof HTMLInputElement && element.type === 'radio' && element.name
      ? `radio:${element.name}` : String(index)));
    shown.forEach((element, index) => { element.dataset.kbd = keys[index]; });
    document.activeElement?.blur();
    window.scrollTo(0, 0);
    return new Set(keys).size;
  });
  const reached = new Set();
  for (let press = 0; press < MOST_TABS && reached.size < count; press += 1) {
    await page.keyboard.press('Tab');
    const index = await page.evaluate(() => document.activeElement?.dataset.kbd ?? null);
    if (index !== null) reached.add(index);
  }
  const missed = await page.evaluate((seen) => [...document.querySelectorAll('[data-kbd]')]
    .filter((element) => !seen.includes(element.dataset.kbd))
    .map((element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ''}[${element.getAttribute('type') ?? ''}]`
      + ` "${(element.getAttribute('aria-label') ?? element.textContent ?? '').trim().slice(0, 30)}"`), [...reached]);
  check(missed.length === 0, `every control of ${what} is reached by Tab (missed: ${missed.join(', ')})`);
  return count;
}

/**
 * Each of VIEWS (`[hash, selector of its content once drawn]`) at 200 % zoom and at phone width.
 * @param {import('playwright-core').Browser} browser
 * @param {string} url
 * @param {string} token
 * @param {Array<[string, string]>} views
 */
export async function zoomAndPhone(browser, url, token, views) {
  for (const [name, options] of [['200 %', ZOOMED], ['390 px', VIEWPORTS.phone]]) {
    const context = await browser.newContext({ ...options, colorScheme: 'light' });
    await context.addInitScript((stored) => sessionStorage.setItem('aetherlens.token', stored), token);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    const counts = [];
    for (const [view, ready] of views) {
      await page.goto('about:blank');
      await page.goto(`${url}#/${view}`);
      await page.locator(ready).first().waitFor();
      const label = view.startsWith('devices/') ? 'device' : view.split('/')[0];
      const what = `the ${label} view at ${name}`;
      await noOverflow(page, what);
      counts.push(`${label} ${await everyControlByTab(page, what)}`);
      if (name === '200 %') await audit(page, `${label}-zoom200`);
    }
    log(`at ${name}: no horizontal overflow, every control reached by Tab (${counts.join(', ')})`);
    await context.close();
  }
}
