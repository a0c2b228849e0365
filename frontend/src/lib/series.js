// Chart data from API rows: stacked daily cost by device, and the zoom levels of history.

const DAY_MS = 86_400_000;

/**
 * Stack a `GET /api/v1/costs?resolution=day&group=device` answer: x is each day's start (Unix
 * seconds), one series per device (largest total first), each series summed with those before
 * it, so bars drawn back to front show the stack. The MAINS devices (ids) meter everything the
 * others do: they are not stacked; what they measure beyond the others is "Rest of home".
 */
export function stackByDevice(rows, names = new Map(), mains = new Set()) {
  const starts = [...new Set(rows.map((row) => row.start))].sort(
    (a, b) => Date.parse(a) - Date.parse(b),
  );
  const index = new Map(starts.map((start, position) => [start, position]));
  const byDevice = new Map();
  const mainsValues = new Array(starts.length).fill(0);
  const fedValues = new Array(starts.length).fill(0);
  for (const row of rows) {
    const position = index.get(row.start);
    const cost = Number(row.cost);
    if (mains.has(row.device_id)) {
      mainsValues[position] += cost;
      continue;
    }
    fedValues[position] += cost;
    if (!byDevice.has(row.device_id)) {
      byDevice.set(row.device_id, { name: names.get(row.device_id) ?? `Device ${row.device_id}`, values: new Array(starts.length).fill(0) });
    }
    byDevice.get(row.device_id).values[position] += cost;
  }
  const entries = [...byDevice.entries()].map(([deviceId, entry]) => ({ deviceId, ...entry }));
  if (rows.some((row) => mains.has(row.device_id))) {
    entries.push({
      deviceId: null,
      name: 'Rest of home',
      values: mainsValues.map((value, position) => Math.max(value - fedValues[position], 0)),
    });
  }
  for (const entry of entries) entry.total = entry.values.reduce((sum, value) => sum + value, 0);
  entries.sort((a, b) => b.total - a.total);
  const running = new Array(starts.length).fill(0);
  const series = entries.map((entry) => ({
    ...entry,
    stacked: entry.values.map((value, position) => (running[position] += value)),
  }));
  return { x: starts.map((start) => Date.parse(start) / 1000), series };
}

/** Sum rows' cost and energy by a key (e.g. the TOU period); largest cost first. */
export function totalsBy(rows, key) {
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

/** The range shown at zoom level ID, ending at END (a Date), moved back by SHIFT spans. */
export function zoomRange(id, end, shift = 0) {
  const zoom = ZOOMS.find((entry) => entry.id === id) ?? ZOOMS[0];
  const span = zoom.days * DAY_MS;
  const to = new Date(end.getTime() - shift * span);
  const from = new Date(to.getTime() - span);
  return { resolution: zoom.resolution, from: from.toISOString(), to: to.toISOString() };
}
