// Chart data from API rows: stacked daily cost by device, and the zoom levels of history.

const DAY_MS = 86_400_000;

/** @typedef {import('./apiTypes.js').CostRow} CostRow */
/** A device's daily costs (device_id null: the rest of the house). @typedef {{ deviceId: number|null, name: string, values: number[], total: number }} DeviceCosts */

/**
 * Stack a `GET /api/v1/costs?resolution=day&group=device` answer: x is each day's start (Unix
 * seconds), one series per device (largest total first), each series summed with those before
 * it, so bars drawn back to front show the stack. The engine's rows are the household's parts
 * and, as device_id null, the rest of the house (what the mains meter measures beyond them):
 * they add up to the household, the mains meter counted once.
 * @param {CostRow[]} rows
 * @param {Map<number, string>} [names] device names by id
 */
export function stackByDevice(rows, names = new Map()) {
  const starts = [...new Set(rows.map((row) => row.start))].sort(
    (a, b) => Date.parse(a) - Date.parse(b),
  );
  const index = new Map(starts.map((start, position) => [start, position]));
  /** @type {Map<number|null, { name: string, values: number[] }>} */
  const byDevice = new Map();
  for (const row of rows) {
    const id = row.device_id ?? null;
    if (!byDevice.has(id)) {
      const name = id === null ? 'Rest of the house' : (names.get(id) ?? `Device ${id}`);
      byDevice.set(id, { name, values: new Array(starts.length).fill(0) });
    }
    /** @type {{ values: number[] }} */ (byDevice.get(id)).values[/** @type {number} */ (index.get(row.start))] += Number(row.cost);
  }
  // Each total is added below.
  const entries = /** @type {DeviceCosts[]} */ ([...byDevice.entries()].map(([deviceId, entry]) => ({ deviceId, ...entry })));
  for (const entry of entries) entry.total = entry.values.reduce((sum, value) => sum + value, 0);
  entries.sort((a, b) => b.total - a.total);
  /** @type {number[]} */
  const running = new Array(starts.length).fill(0);
  const series = entries.map((entry) => ({
    ...entry,
    stacked: entry.values.map((value, position) => (running[position] += value)),
  }));
  return { x: starts.map((start) => Date.parse(start) / 1000), series };
}

/**
 * The devices to rank as the household's parts (summary devices): those not summed into the
 * household (no mains meter) and not inside another part, unless only household meters exist.
 * @param {import('./apiTypes.js').SummaryDevice[]} devices
 */
export function householdParts(devices) {
  const meters = new Set(devices.filter((device) => device.household_meter).map((device) => device.id));
  const parts = devices.filter(
    (device) => !device.household_meter && (device.included_in == null || meters.has(device.included_in)),
  );
  return parts.length > 0 ? parts : devices.filter((device) => device.household_meter);
}

/**
 * Return the last day of a cycle whose END (a local date, YYYY-MM-DD) is exclusive.
 * @param {string} end
 */
export function lastDay(end) {
  const day = new Date(`${end.slice(0, 10)}T00:00:00Z`);
  day.setUTCDate(day.getUTCDate() - 1);
  return day.toISOString().slice(0, 10);
}

/**
 * Sum rows' cost and energy by a key (e.g. the TOU period); largest cost first.
 * @param {CostRow[]} rows
 * @param {'period'|'device_id'} key
 */
export function totalsBy(rows, key) {
  /** @type {Map<string|number, { name: string|number, cost: number, energy: number }>} */
  const totals = new Map();
  for (const row of rows) {
    const name = row[key] ?? '—';
    const entry = totals.get(name) ?? { name, cost: 0, energy: 0 };
    entry.cost += Number(row.cost);
    entry.energy += row.energy_kwh;
    totals.set(name, entry);
  }
  return [...totals.values()].sort((a, b) => b.cost - a.cost);
}

export const ZOOMS = [
  { id: 'day', label: 'Day', days: 1, resolution: 'hour' },
  { id: 'week', label: 'Week', days: 7, resolution: 'hour' },
  { id: 'month', label: 'Month', days: 31, resolution: 'day' },
  { id: 'year', label: 'Year', days: 366, resolution: 'day' },
];

/**
 * The range shown at zoom level ID, ending at END (a Date), moved back by SHIFT spans.
 * @param {string} id
 * @param {Date} end
 */
export function zoomRange(id, end, shift = 0) {
  const zoom = ZOOMS.find((entry) => entry.id === id) ?? ZOOMS[0];
  const span = zoom.days * DAY_MS;
  const to = new Date(end.getTime() - shift * span);
  const from = new Date(to.getTime() - span);
  return { resolution: zoom.resolution, from: from.toISOString(), to: to.toISOString() };
}
