// Display formatting. Amounts arrive as exact decimal strings; they become numbers only here,
// for display and charts, never for sums that are shown as exact.

/** @type {Map<string, Intl.NumberFormat>} */
const moneyFormats = new Map();

/**
 * @param {string|number|null|undefined} amount the engine's decimal string, or a sum made for display
 * @param {string|null} [currency]
 */
export function money(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const key = currency ?? '';
  if (!moneyFormats.has(key)) {
    moneyFormats.set(
      key,
      currency
        ? new Intl.NumberFormat(undefined, { style: 'currency', currency })
        : new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    );
  }
  return /** @type {Intl.NumberFormat} */ (moneyFormats.get(key)).format(Number(amount));
}

/**
 * A price per kWh keeps more digits than an amount.
 * @param {string|null|undefined} amount
 * @param {string|null} [currency]
 */
export function price(amount, currency) {
  if (amount === null || amount === undefined) return '—';
  const digits = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 }).format(Number(amount));
  return currency ? `${digits} ${currency}/kWh` : `${digits}/kWh`;
}

/** @param {number|null|undefined} value */
export function kwh(value) {
  if (value === null || value === undefined) return '—';
  return `${new Intl.NumberFormat(undefined, { maximumFractionDigits: value < 10 ? 2 : 1 }).format(value)} kWh`;
}

/** @param {number} fraction */
export function percent(fraction) {
  return `${Math.round(fraction * 100)} %`;
}

/**
 * A local date YYYY-MM-DD as shown to the user.
 * @param {string} isoDate
 */
export function day(isoDate) {
  const [year, month, dayOfMonth] = isoDate.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, dayOfMonth)).toLocaleDateString(undefined, {
    timeZone: 'UTC',
    weekday: 'short',
    month: 'short',
    day: 'numeric',
  });
}
