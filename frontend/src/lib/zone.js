// Local dates of the engine's time zone as instants, with Intl (no time zone library needed).

/**
 * The zone's offset from UTC at INSTANT (ms since the epoch), in minutes (east positive).
 * @param {string} zone
 * @param {number} instant
 */
export function offsetMinutes(zone, instant) {
  // Every longOffset format has a timeZoneName part.
  const name = /** @type {Intl.DateTimeFormatPart} */ (
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(instant))
      .find((part) => part.type === 'timeZoneName')
  ).value;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0; // "GMT": UTC itself
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

/**
 * The instant (ISO, UTC) when local date DATE (YYYY-MM-DD) starts in ZONE.
 * @param {string} date
 * @param {string} zone
 */
export function localMidnight(date, zone) {
  const [year, month, day] = date.split('-').map(Number);
  const wall = Date.UTC(year, month - 1, day);
  let instant = wall - offsetMinutes(zone, wall) * 60_000;
  // The offset at the first guess may be the other side of a DST change: correct once.
  instant = wall - offsetMinutes(zone, instant) * 60_000;
  return new Date(instant).toISOString();
}

/**
 * Today's date (YYYY-MM-DD) in ZONE at INSTANT (ms since the epoch, or an ISO 8601 instant).
 * @param {string} zone
 * @param {number|string} [instant]
 */
export function localDate(zone, instant = Date.now()) {
  return dateFormat(zone).format(new Date(instant));
}

/** @type {Map<string, Intl.DateTimeFormat>} */
const dateFormats = new Map();

/**
 * The YYYY-MM-DD format of ZONE, made once: a year of days of many devices is many dates.
 * @param {string} zone
 */
function dateFormat(zone) {
  let format = dateFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(zone, format);
  }
  return format;
}

/**
 * DATE (YYYY-MM-DD) plus DAYS days.
 * @param {string} date
 * @param {number} days
 */
export function addDays(date, days) {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/**
 * The first day of the month after the one of DATE.
 * @param {string} date
 */
export function nextMonth(date) {
  const [year, month] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}
