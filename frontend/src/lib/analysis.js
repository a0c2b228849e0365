// The cost analysis's figures from the engine's answers: days of `GET /api/v1/costs` grouped by
// day, week, month or billing cycle (and split by device or TOU period), a year's months against
// the year before's, and `GET /api/v1/bill`'s cycles by component. Amounts stay the engine's
// decimal texts and are added exactly (lib/decimal.js); numbers are made only for the charts.

import { subtract, sum } from './decimal.js';
import { addDays, localDate } from './zone.js';

/** @typedef {import('./apiTypes.js').CostRow} CostRow */
/** @typedef {import('./apiTypes.js').BillCycle} BillCycle */
/** @typedef {import('./apiTypes.js').RangeBill} RangeBill */
/** @typedef {'day'|'week'|'month'|'cycle'} SpendBy */
/** @typedef {'total'|'device'|'period'} SplitBy */
/** A bucket's days in the range (local dates, both included). @typedef {{ key: string, first: string, last: string }} Bucket */
/** @typedef {{ key: string, name: string, amounts: string[], total: string }} SpendSeries */
/** @typedef {{ buckets: Bucket[], series: SpendSeries[], totals: string[], total: string }} Spend */

/**
 * The Monday of DATE's week (weeks start on Monday, as ISO 8601's).
 * @param {string} date
 */
export function weekStart(date) {
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 is Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * The first and last day (YYYY-MM-DD) of the bucket of DATE, and its key.
 * @param {string} date
 * @param {SpendBy} by
 * @param {Array<{ start: string, end: string }>} cycles local dates, end exclusive
 */
function bucketOf(date, by, cycles) {
  if (by === 'week') {
    const monday = weekStart(date);
    return { key: monday, first: monday, last: addDays(monday, 6) };
  }
  if (by === 'month') {
    const first = `${date.slice(0, 7)}-01`;
    const [year, month] = date.split('-').map(Number);
    return { key: date.slice(0, 7), first, last: new Date(Date.UTC(year, month, 0)).toISOString().slice(0, 10) };
  }
  const cycle = by === 'cycle' ? cycles.find((each) => each.start <= date && date < each.end) : undefined;
  // A day no cycle holds (none does before the bill starts) stays a bucket of its own.
  if (cycle) return { key: cycle.start, first: cycle.start, last: addDays(cycle.end, -1) };
  return { key: date, first: date, last: date };
}

/**
 * The name of a row's part of the split.
 * @param {CostRow} row
 * @param {SplitBy} split
 * @param {Map<number, string>} names device names by id
 */
function partOf(row, split, names) {
  if (split === 'device') {
    const id = row.device_id ?? null;
    return id === null ? { key: 'rest', name: 'Rest of the house' } : { key: `device-${id}`, name: names.get(id) ?? `Device ${id}` };
  }
  if (split === 'period') return { key: `period-${row.period ?? ''}`, name: row.period ?? 'No period' };
  return { key: 'total', name: 'Total' };
}

/**
 * Group the day (or, by month, month) rows of a `GET /api/v1/costs` answer (group total, device
 * or period) into buckets of the range FROM–TO (local dates, both included): each bucket's days
 * in the range, the split's parts (largest spend first) with an exact amount per bucket, and the
 * buckets' totals.
 * @param {CostRow[]} rows
 * @param {{ zone: string, by: SpendBy, split: SplitBy, from: string, to: string,
 *   cycles?: Array<{ start: string, end: string }>, names?: Map<number, string> }} options
 * @returns {Spend}
 */
export function spendBy(rows, { zone, by, split, from, to, cycles = [], names = new Map() }) {
  /** @type {Map<string, Bucket>} */
  const buckets = new Map();
  /** @type {Map<string, { name: string, amounts: Map<string, string[]> }>} */
  const parts = new Map();
  // Every device has a row per day: each day's bucket found once.
  /** @type {Map<string, { key: string, first: string, last: string }>} */
  const byStart = new Map();
  for (const row of rows) {
    let bucket = byStart.get(row.start);
    if (!bucket) {
      bucket = bucketOf(localDate(zone, row.start), by, cycles);
      byStart.set(row.start, bucket);
    }
    if (!buckets.has(bucket.key)) {
      buckets.set(bucket.key, { key: bucket.key, first: bucket.first < from ? from : bucket.first, last: bucket.last > to ? to : bucket.last });
    }
    const part = partOf(row, split, names);
    const entry = parts.get(part.key) ?? { name: part.name, amounts: new Map() };
    const amounts = entry.amounts.get(bucket.key) ?? [];
    amounts.push(row.cost);
    entry.amounts.set(bucket.key, amounts);
    parts.set(part.key, entry);
  }
  const ordered = [...buckets.values()].sort((a, b) => (a.first < b.first ? -1 : 1));
  const series = [...parts.entries()].map(([key, { name, amounts }]) => {
    const each = ordered.map((bucket) => sum(amounts.get(bucket.key) ?? []));
    return { key, name, amounts: each, total: sum(each) };
  });
  series.sort((a, b) => Number(b.total) - Number(a.total) || a.name.localeCompare(b.name));
  const totals = ordered.map((_, index) => sum(series.map((entry) => entry.amounts[index])));
  return { buckets: ordered, series, totals, total: sum(totals) };
}

/**
 * The same date a year before (29 February becomes the 28th).
 * @param {string} date
 */
export function yearBefore(date) {
  const [year, month, dayOfMonth] = date.split('-').map(Number);
  const last = new Date(Date.UTC(year - 1, month, 0)).getUTCDate();
  return `${year - 1}-${String(month).padStart(2, '0')}-${String(Math.min(dayOfMonth, last)).padStart(2, '0')}`;
}

/**
 * Months of the range against the same months a year before, from two `GET /api/v1/costs
 * ?resolution=month` answers (the second for the range a year earlier): each month's spend, the
 * year before's (null where nothing was recorded), and the change.
 * @param {CostRow[]} current
 * @param {CostRow[]} previous
 * @param {string} zone
 */
export function yearOverYear(current, previous, zone) {
  /** @param {CostRow[]} rows */
  const byMonth = (rows) => {
    /** @type {Map<string, string[]>} */
    const months = new Map();
    for (const row of rows) {
      const month = localDate(zone, row.start).slice(0, 7);
      months.set(month, [...(months.get(month) ?? []), row.cost]);
    }
    return new Map([...months].map(([month, amounts]) => [month, sum(amounts)]));
  };
  const now = byMonth(current);
  const before = byMonth(previous);
  const months = [...new Set([...now.keys(), ...[...before.keys()].map((month) => `${Number(month.slice(0, 4)) + 1}${month.slice(4)}`)])].sort();
  return months.map((month) => {
    const spent = now.get(month) ?? '0';
    const earlier = before.get(`${Number(month.slice(0, 4)) - 1}${month.slice(4)}`) ?? null;
    const change = earlier === null ? null : subtract(spent, earlier);
    const percent = earlier === null || Number(earlier) === 0 ? null : (Number(spent) - Number(earlier)) / Math.abs(Number(earlier));
    return { month, spent, earlier, change, percent };
  });
}

/**
 * An energy line's name in the bill's table: its period, and its tier where the bill has tiers.
 * @param {{ period: string, tier: number }} line
 * @param {boolean} tiered
 */
function energyName(line, tiered) {
  return tiered ? `Energy: ${line.period}, tier ${line.tier}` : `Energy: ${line.period}`;
}

/**
 * What kind of component a bill's line is: the chart stacks charges by kind; credits are below zero.
 * @typedef {'energy'|'surcharges'|'demand'|'standing'|'minimum'|'taxes'|'credits'|'rounding'} ComponentKind
 */

const COMPONENT_KINDS = /** @type {const} */ ({
  energy: 'Energy',
  surcharges: 'Surcharges',
  demand: 'Demand',
  standing: 'Standing charges',
  minimum: 'Minimum bill',
  taxes: 'Taxes',
  credits: 'Credits',
  rounding: 'Rounding',
});

/**
 * The lines of each billing cycle of BILL as rows of one table: a row per component (energy by
 * period and tier, each surcharge, demand charge, standing charge, tax and credit) with its amount
 * in every cycle and over all of them, signed so that each cycle's rows add up to its total.
 * Rows that are zero in every cycle are left out.
 * @param {RangeBill} bill
 */
export function billComponents(bill) {
  const tiered = bill.cycles.some((cycle) => cycle.energy.some((line) => line.tier > 1));
  /** @type {Map<string, { name: string, kind: ComponentKind, amounts: string[][] }>} */
  const rows = new Map();
  const count = bill.cycles.length;
  /** @type {(kind: ComponentKind, name: string, index: number, amount: string) => void} */
  const add = (kind, name, index, amount) => {
    const key = `${kind}:${name}`;
    const row = rows.get(key) ?? { name, kind, amounts: Array.from({ length: count }, () => /** @type {string[]} */ ([])) };
    row.amounts[index].push(amount);
    rows.set(key, row);
  };
  /** @param {string} amount */
  const negated = (amount) => subtract('0', amount);
  bill.cycles.forEach((cycle, index) => {
    for (const line of cycle.energy) add('energy', energyName(line, tiered), index, line.cost);
    for (const line of cycle.surcharges) add('surcharges', line.name, index, line.amount);
    for (const line of cycle.demand) add('demand', `Demand: ${line.name}`, index, line.cost);
    for (const line of cycle.fixed) add('standing', line.name, index, line.amount);
    add('minimum', 'Minimum bill', index, cycle.minimum);
    for (const line of cycle.taxes) add('taxes', line.percent === null ? line.name : `${line.name} (${line.percent} %)`, index, line.amount);
    add('credits', 'Export credit', index, negated(cycle.export_credit));
    add('credits', 'Credit carried in', index, negated(cycle.carried_credit));
    add('credits', 'Credit not used', index, cycle.unused_credit);
    add('rounding', 'Rounding', index, cycle.rounding);
  });
  const order = Object.keys(COMPONENT_KINDS);
  const components = [...rows.values()].map((row) => {
    const amounts = row.amounts.map((each) => sum(each));
    return { name: row.name, kind: row.kind, amounts, total: sum(amounts) };
  });
  // The bill's total less its cycles' totals belongs to no cycle: in the all-cycles column only.
  const billRounding = { name: 'Rounding of the bill', kind: /** @type {ComponentKind} */ ('rounding'), amounts: bill.cycles.map(() => '0'), total: bill.rounding };
  return [...components, billRounding]
    // The engine writes a zero as 0 or 0.00: added, both are '0'.
    .filter((row) => sum([row.total]) !== '0' || row.amounts.some((amount) => amount !== '0'))
    .sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

/**
 * The bill's energy by TOU period and tier over all its cycles: kWh and cost, exact.
 * @param {RangeBill} bill
 */
export function energyByPeriodAndTier(bill) {
  /** @type {Map<string, { period: string, tier: number, kwh: string[], cost: string[] }>} */
  const lines = new Map();
  for (const cycle of bill.cycles) {
    for (const line of cycle.energy) {
      const key = `${line.period}\u0000${line.tier}`;
      const entry = lines.get(key) ?? { period: line.period, tier: line.tier, kwh: [], cost: [] };
      entry.kwh.push(line.kwh);
      entry.cost.push(line.cost);
      lines.set(key, entry);
    }
  }
  return [...lines.values()].map((entry) => ({ period: entry.period, tier: entry.tier, kwh: sum(entry.kwh), cost: sum(entry.cost) }));
}

/**
 * The chart of the bill's components: per cycle, charges of each kind stacked (cumulative, drawn
 * back to front), the credits below zero on their own, and the total.
 * @param {ReturnType<typeof billComponents>} rows
 * @param {number} cycles
 */
export function componentStack(rows, cycles) {
  /** @type {Map<ComponentKind, number[]>} */
  const byKind = new Map();
  for (const row of rows) {
    if (row.kind === 'rounding') continue; // a cent at most: in the table, not worth a bar
    const values = byKind.get(row.kind) ?? new Array(cycles).fill(0);
    row.amounts.forEach((amount, index) => { values[index] += Number(amount); });
    byKind.set(row.kind, values);
  }
  const running = new Array(cycles).fill(0);
  const stacked = [...byKind].filter(([kind]) => kind !== 'credits').map(([kind, values]) => ({
    kind, label: COMPONENT_KINDS[kind], values: values.map((value, index) => (running[index] += value)),
  }));
  const credits = byKind.get('credits');
  return credits ? [...stacked, { kind: /** @type {ComponentKind} */ ('credits'), label: COMPONENT_KINDS.credits, values: credits }] : stacked;
}

/**
 * A cycle as the table heads it: its first and last day.
 * @param {{ start: string, end: string }} cycle
 */
export function cycleLabel(cycle) {
  return `${cycle.start} – ${addDays(cycle.end, -1)}`;
}


/** The longest range shown: the bill's (`GET /api/v1/bill` bills at most 400 days). */
export const MAX_DAYS = 400;

/**
 * What is wrong with the range FROM–TO (local dates, both included, as date fields give them),
 * by field: `start` and `end`, each a message; empty when it can be shown.
 * @param {string} from
 * @param {string} to
 */
export function rangeErrors(from, to) {
  /** @type {Map<string, string[]>} */
  const errors = new Map();
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from)) errors.set('start', ['give the first day']);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(to)) errors.set('end', ['give the last day']);
  if (errors.size > 0) return errors;
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days < 1) errors.set('end', ['must not be before the first day']);
  else if (days > MAX_DAYS) errors.set('end', [`at most ${MAX_DAYS} days after the first day (${days} asked)`]);
  return errors;
}
