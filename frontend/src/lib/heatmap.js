// The week's price calendar as a heat map: one row per local day, one column per local hour.
// A day of 23 hours (clocks go forward) has a skipped cell; a day of 25 hours has one cell
// holding the hour twice, the second marked repeated.

const HOURS = 24;

/** @typedef {import('./apiTypes.js').TariffCalendar} TariffCalendar */
/** The lowest and highest price (null: no slot has a price). @typedef {{ min: number, max: number }|{ min: null, max: null }} PriceRange */

/**
 * A slot's part of an hour cell; SHARE is its fraction of the cell's minutes.
 * @typedef {{ local: string, start: string, minutes: number, price: string|null, period: string|null,
 *   repeated: boolean, level: number|null, share: number }} Segment
 */

/**
 * One local hour of a day: SKIPPED on a day the clocks went forward, REPEATED holding the hour twice.
 * @typedef {{ hour: number, segments: Segment[], skipped: boolean, repeated: boolean }} Cell
 */

/** @param {string} local */
function hourOf(local) {
  return Number(local.slice(0, 2));
}

/**
 * Return the prices' range over CALENDAR, ignoring slots without a price.
 * @param {TariffCalendar} calendar
 * @returns {PriceRange}
 */
export function priceRange(calendar) {
  let min = Infinity;
  let max = -Infinity;
  for (const dayEntry of calendar.days) {
    for (const slot of dayEntry.slots) {
      if (slot.price === null) continue;
      const value = Number(slot.price);
      min = Math.min(min, value);
      max = Math.max(max, value);
    }
  }
  return Number.isFinite(min) ? { min, max } : { min: null, max: null };
}

/**
 * Place a price on the scale 0..1 (0 when every price is the same).
 * @param {string|null} priceText
 * @param {PriceRange} range
 */
export function level(priceText, range) {
  if (priceText === null || range.min === null) return null;
  const span = range.max - range.min;
  return span > 0 ? (Number(priceText) - range.min) / span : 0;
}

/**
 * Turn a calendar answer into rows of 24 cells; each cell holds its slots as segments.
 * @param {TariffCalendar} calendar
 */
export function heatmapRows(calendar) {
  const range = priceRange(calendar);
  const rows = calendar.days.map((dayEntry) => {
    // SKIPPED, REPEATED and each segment's SHARE are set below, once the cell holds all its slots.
    const cells = Array.from({ length: HOURS }, (_, hour) => /** @type {Cell} */ ({ hour, segments: /** @type {Segment[]} */ ([]) }));
    for (const slot of dayEntry.slots) {
      cells[hourOf(slot.local)].segments.push(/** @type {Segment} */ ({
        local: slot.local,
        start: slot.start,
        minutes: slot.minutes,
        price: slot.price,
        period: slot.period,
        repeated: slot.dst === 'repeated',
        level: level(slot.price, range),
      }));
    }
    for (const cell of cells) {
      const total = cell.segments.reduce((sum, segment) => sum + segment.minutes, 0);
      cell.skipped = cell.segments.length === 0;
      cell.repeated = cell.segments.some((segment) => segment.repeated);
      for (const segment of cell.segments) segment.share = total > 0 ? segment.minutes / total : 0;
    }
    return { date: dayEntry.date, hours: dayEntry.hours, dst: dayEntry.hours !== HOURS, cells };
  });
  return { range, rows };
}

/**
 * Words for a cell, for its tooltip and for screen readers.
 * @param {Cell} cell
 * @param {(price: string|null) => string} formatPrice
 */
export function cellLabel(cell, formatPrice) {
  const hour = `${String(cell.hour).padStart(2, '0')}:00`;
  if (cell.skipped) return `${hour}: skipped, clocks go forward`;
  const parts = cell.segments.map(
    (segment) =>
      `${segment.local}${segment.repeated ? ' (repeated)' : ''} ${formatPrice(segment.price)}` +
      (segment.period ? ` ${segment.period}` : ''),
  );
  return `${hour}: ${parts.join('; ')}`;
}
