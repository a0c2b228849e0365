// The device list: each metered device's figures (today's from the summary, this cycle's and
// the trend from the devices' figures), with its Home Assistant entity and area, its display name
// and its place in the household from the engine's device record; filtered by text, sorted by a
// column.

/** @typedef {import('./apiTypes.js').SummaryDevice} SummaryDevice */
/** @typedef {import('./apiTypes.js').Device} Device */
/** @typedef {import('./apiTypes.js').DeviceFigures} DeviceFigures */

/**
 * @typedef {Object} DeviceRow
 * @property {number} id
 * @property {string} name
 * @property {string} kind
 * @property {string|null} entity
 * @property {string|null} area
 * @property {string} sourceName what the source calls it
 * @property {boolean} renamed whether the household gave it its own name
 * @property {boolean} inHousehold counted in the household's figures
 * @property {number} energyToday
 * @property {number|null} costToday
 * @property {number} energyCycle
 * @property {number|null} costCycle
 * @property {number[]} trend energy of each of the last 14 days, oldest first
 * @property {number|null} trendChange the last week against the one before (0.1: 10 % more)
 */

export const COLUMNS = /** @type {const} */ ({
  name: 'Device',
  area: 'Area',
  energyToday: 'Energy today',
  costToday: 'Cost today',
  energyCycle: 'Energy this cycle',
  costCycle: 'Cost this cycle',
  trendChange: 'Trend (7 days)',
});
/** @typedef {keyof typeof COLUMNS} Column */

/** @param {unknown} value */
const text = (value) => (typeof value === 'string' && value ? value : null);

/**
 * @param {SummaryDevice[]} today the summary's devices (energy devices only)
 * @param {Device[]} records the engine's devices, for their attributes, names and household
 * @param {DeviceFigures[]} cycle the devices' figures this cycle
 * @returns {DeviceRow[]}
 */
export function deviceRows(today, records, cycle) {
  const byId = new Map(records.map((record) => [record.id, record]));
  const figuresOf = new Map(cycle.map((figures) => [figures.device_id, figures]));
  return today.map((device) => {
    const record = byId.get(device.id);
    const figures = figuresOf.get(device.id);
    const attributes = record?.attributes ?? {};
    return {
      id: device.id,
      name: record?.name ?? device.name,
      kind: device.kind,
      entity: text(attributes.entity_id),
      area: text(attributes.area),
      sourceName: record?.source_name ?? device.name,
      renamed: Boolean(record?.display_name),
      inHousehold: record?.in_household ?? true,
      energyToday: device.energy_today_kwh,
      costToday: device.cost_today === null ? null : Number(device.cost_today),
      energyCycle: figures?.energy_cycle_kwh ?? 0,
      costCycle: figures?.cost_cycle == null ? null : Number(figures.cost_cycle),
      trend: figures?.trend_kwh ?? [],
      trendChange: figures?.trend_change ?? null,
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
    ? rows.filter((row) => [row.name, row.sourceName, row.entity, row.area, row.kind].some((value) => value?.toLowerCase().includes(wanted)))
    : rows;
  const sign = direction === 'ascending' ? 1 : -1;
  return [...kept].sort((a, b) => {
    const [x, y] = [a[column], b[column]];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return sign * order || a.name.localeCompare(b.name);
  });
}

/**
 * The trend in words: "up 12 %", "down 3 %", "steady", or null when there is nothing to compare.
 * @param {number|null} change
 */
export function trendWords(change) {
  if (change === null) return null;
  const rounded = Math.round(change * 100);
  if (rounded === 0) return 'steady';
  return `${rounded > 0 ? 'up' : 'down'} ${Math.abs(rounded)} %`;
}

/**
 * The points of a sparkline of VALUES in a WIDTH × HEIGHT box (SVG polyline), the largest at the top.
 * @param {number[]} values
 * @param {number} width
 * @param {number} height
 */
export function sparkPoints(values, width, height) {
  if (values.length === 0) return '';
  const top = Math.max(...values, 0) || 1;
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  return values.map((value, index) => `${(index * step).toFixed(1)},${(height - (value / top) * height).toFixed(1)}`).join(' ');
}

/**
 * The body of a device's change from the editor's NAME and IN_HOUSEHOLD: an empty name gives the
 * device its source's name back. Only what changed is sent.
 * @param {DeviceRow} row
 * @param {string} name
 * @param {boolean} inHousehold
 * @returns {import('./apiTypes.js').Requests['changeDevice']}
 */
export function changeOf(row, name, inHousehold) {
  /** @type {import('./apiTypes.js').Requests['changeDevice']} */
  const body = {};
  const wanted = name.trim() === '' || name === row.sourceName ? null : name;
  if (wanted !== (row.renamed ? row.name : null)) body.display_name = wanted;
  if (inHousehold !== row.inHousehold) body.in_household = inHousehold;
  return body;
}
