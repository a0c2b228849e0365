// The device list: each metered device's figures from the summary, with its Home Assistant entity
// and area from the engine's device record; filtered by text, sorted by a column.

/** @typedef {import('./apiTypes.js').SummaryDevice} SummaryDevice */
/** @typedef {import('./apiTypes.js').Device} Device */

/**
 * @typedef {Object} DeviceRow
 * @property {number} id
 * @property {string} name
 * @property {string} kind
 * @property {string|null} entity
 * @property {string|null} area
 * @property {number} energyToday
 * @property {number|null} costToday
 * @property {number} energyMonth
 * @property {number|null} costMonth
 */

export const COLUMNS = /** @type {const} */ ({
  name: 'Device',
  area: 'Area',
  energyToday: 'Energy today',
  costToday: 'Cost today',
  energyMonth: 'Energy this month',
  costMonth: 'Cost this month',
});
/** @typedef {keyof typeof COLUMNS} Column */

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' && value ? value : null);

/**
 * @param {SummaryDevice[]} figures the summary's devices (energy devices only)
 * @param {Device[]} records the engine's devices, for their attributes
 * @returns {DeviceRow[]}
 */
export function deviceRows(figures, records) {
  const byId = new Map(records.map((record) => [record.id, record]));
  return figures.map((device) => {
    const attributes = byId.get(device.id)?.attributes ?? {};
    return {
      id: device.id,
      name: device.name,
      kind: device.kind,
      entity: text(attributes.entity_id),
      area: text(attributes.area),
      energyToday: device.energy_today_kwh,
      costToday: device.cost_today === null ? null : Number(device.cost_today),
      energyMonth: device.energy_month_kwh,
      costMonth: device.cost_month === null ? null : Number(device.cost_month),
    };
  });
}

/**
 * The rows whose name, entity, area or kind holds FILTER (any case), sorted by COLUMN; unknown
 * values (null) last whichever the direction.
 * @param {DeviceRow[]} rows
 * @param {string} filter
 * @param {Column} column
 * @param {'ascending'|'descending'} direction
 */
export function shownRows(rows, filter, column, direction) {
  const wanted = filter.trim().toLowerCase();
  const kept = wanted
    ? rows.filter((row) => [row.name, row.entity, row.area, row.kind].some((value) => value?.toLowerCase().includes(wanted)))
    : rows;
  const sign = direction === 'ascending' ? 1 : -1;
  return [...kept].sort((a, b) => {
    const [x, y] = [a[column], b[column]];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order || a.name.localeCompare(b.name);
  });
}
