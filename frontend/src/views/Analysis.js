import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { Chart, PALETTE } from '../components/Chart.js';
import { ErrorNote, Loading } from '../components/Common.js';
import { Field, fieldId } from '../components/Field.js';
import {
  MAX_DAYS, billComponents, componentStack, cycleLabel, energyByPeriodAndTier, rangeErrors, spendBy, yearBefore, yearOverYear,
} from '../lib/analysis.js';
import { query } from '../lib/api.js';
import { downloadCsv, toCsv } from '../lib/csv.js';
import { kwh, money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { addDays, localDate, localMidnight } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/analysis.js').SpendBy} SpendBy */
/** @typedef {import('../lib/analysis.js').SplitBy} SplitBy */
/** What is shown: the range (local dates, both included), commodity, grouping and split. @typedef {{ from: string, to: string, commodity: string, by: SpendBy, split: SplitBy }} Shown */

const FIELDS = ['start', 'end'];
const BY_LABELS = { day: 'Day', week: 'Week', month: 'Month', cycle: 'Billing cycle' };
const SPLIT_LABELS = { total: 'Total', device: 'Device', period: 'Time-of-use period' };
const COMMODITIES = ['electricity', 'gas', 'water'];
const KIND_COLORS = {
  energy: PALETTE[0], surcharges: PALETTE[1], demand: PALETTE[6], standing: PALETTE[2], minimum: PALETTE[7], taxes: PALETTE[4], credits: PALETTE[5],
};

/**
 * The instants of the range FROM–TO (local dates, both included) in ZONE.
 * @param {string} from
 * @param {string} to
 * @param {string} zone
 */
function instants(from, to, zone) {
  return { start: localMidnight(from, zone), end: localMidnight(addDays(to, 1), zone) };
}

/**
 * The last twelve months to today: from the first of the month eleven months back.
 * @param {string} today
 */
function lastYear(today) {
  const [year, month] = today.split('-').map(Number);
  return { from: new Date(Date.UTC(year, month - 12, 1)).toISOString().slice(0, 10), to: today };
}

/**
 * A bucket as its row names it.
 * @param {import('../lib/analysis.js').Bucket} bucket
 * @param {SpendBy} by
 */
function bucketLabel(bucket, by) {
  if (by === 'day') return bucket.first;
  if (by === 'month' && bucket.first.endsWith('-01') && bucket.last.slice(0, 7) === bucket.key && addDays(bucket.last, 1).endsWith('-01')) return bucket.key;
  return `${bucket.first} – ${bucket.last}`;
}

/** @param {{ label: string, onClick: () => void, testid: string }} props */
function CsvButton({ label, onClick, testid }) {
  return html`<div class="actions"><button type="button" onClick=${onClick} data-testid=${testid}>${label}</button></div>`;
}

/**
 * Spend per bucket, split by device or period: a chart (stacked bars) and a table.
 * By cycle, CYCLES are the bill's (null until it is loaded; CYCLE_ERROR when it cannot be).
 * @param {{ shown: Shown, zone: string, names: Map<number, string>, cycles: Array<{ start: string, end: string }>|null,
 *   cycleError: Error|null }} props
 */
function Spend({ shown, zone, names, cycles, cycleError }) {
  const { start, end } = instants(shown.from, shown.to, zone);
  // Months come summed by the engine (the same sums as their days': fewer rows to add here).
  const resolution = shown.by === 'month' ? 'month' : 'day';
  /** @type {import('../lib/hooks.js').Loaded<Answers['getCosts']>} */
  const costs = useApi(`api/v1/costs${query({ start, end, resolution, group: shown.split, commodity: shown.commodity })}`);
  const spend = useMemo(
    () => (costs.data && (shown.by !== 'cycle' || cycles)
      ? spendBy(costs.data.rows, { zone, by: shown.by, split: shown.split, from: shown.from, to: shown.to, cycles: cycles ?? [], names })
      : null),
    [costs.data, cycles, shown.by],
  );
  const currency = costs.data?.currency ?? null;
  const format = useMemo(() => (/** @type {number} */ value) => money(value, currency), [currency]);
  const chart = useMemo(() => {
    if (!spend) return null;
    const running = new Array(spend.buckets.length).fill(0);
    return {
      x: spend.buckets.map((bucket) => Date.parse(localMidnight(bucket.first, zone)) / 1000),
      series: spend.series.map((entry, index) => ({
        label: entry.name, color: PALETTE[index % PALETTE.length], values: entry.amounts.map((amount, at) => (running[at] += Number(amount))),
      })),
    };
  }, [spend]);
  const title = `Spend by ${BY_LABELS[shown.by].toLowerCase()}${shown.split === 'total' ? '' : `, by ${SPLIT_LABELS[shown.split].toLowerCase()}`}`;
  let body;
  if (costs.error) body = html`<${ErrorNote} error=${costs.error} what="the costs" />`;
  else if (shown.by === 'cycle' && cycleError) body = html`<${ErrorNote} error=${cycleError} what="the billing cycles" />`;
  else if (!spend || !chart || !costs.data) body = html`<${Loading} />`;
  else {
    const data = costs.data;
    const split = shown.split !== 'total';
    const download = () => downloadCsv(
      `aetherlens-${shown.commodity}-spend-by-${shown.by}-${shown.from}-${shown.to}.csv`,
      toCsv(
        ['from', 'to', ...(split ? spend.series.map((entry) => `${entry.name} (${data.currency})`) : []), `total (${data.currency})`],
        spend.buckets.map((bucket, index) => [bucket.first, bucket.last, ...(split ? spend.series.map((entry) => entry.amounts[index]) : []), spend.totals[index]]),
      ),
    );
    body = html`
      <p class="detail">What the ${shown.commodity} used from ${shown.from} to ${shown.to} cost under its active tariff (its unit prices with their surcharges
        and taxes; standing charges, demand and credits are in the bill below):${' '}
        <strong data-testid="spend-total">${money(spend.total, data.currency)}</strong></p>
      <${Chart} x=${chart.x} series=${chart.series} kind="bars" valueFormat=${format}
        xRange=${[Date.parse(start) / 1000, Date.parse(end) / 1000]}
        label=${`${title}: ${spend.series.map((entry) => `${entry.name} ${format(Number(entry.total))}`).join(', ')}`} />
      <${CsvButton} label="Download spend as CSV" onClick=${download} testid="spend-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label=${`${title}, table`}>
        <table class="analysis" data-testid="spend-table">
          <thead><tr><th scope="col">${BY_LABELS[shown.by]}</th>
            ${split && spend.series.map((entry) => html`<th scope="col" class="num" key=${entry.key}>${entry.name}</th>`)}
            <th scope="col" class="num">Total</th></tr></thead>
          <tbody>${spend.buckets.map((bucket, index) => html`<tr key=${bucket.key} data-testid="spend-row" data-first=${bucket.first} data-last=${bucket.last}>
            <th scope="row">${bucketLabel(bucket, shown.by)}</th>
            ${split && spend.series.map((entry) => html`<td class="num" key=${entry.key}>${money(entry.amounts[index], data.currency)}</td>`)}
            <td class="num" data-testid="spend-row-total">${money(spend.totals[index], data.currency)}</td>
          </tr>`)}</tbody>
        </table>
      </div>`;
  }
  return html`<section class="card wide" aria-labelledby="spend-title">
    <h2 id="spend-title">${title}</h2>
    ${body}
  </section>`;
}

/**
 * The range's months against the same months a year before.
 * @param {{ shown: Shown, zone: string }} props
 */
function YearOverYear({ shown, zone }) {
  const now = instants(shown.from, shown.to, zone);
  const before = instants(yearBefore(shown.from), yearBefore(shown.to), zone);
  /** @type {import('../lib/hooks.js').Loaded<Answers['getCosts']>} */
  const current = useApi(`api/v1/costs${query({ ...now, resolution: 'month', commodity: shown.commodity })}`);
  /** @type {import('../lib/hooks.js').Loaded<Answers['getCosts']>} */
  const previous = useApi(`api/v1/costs${query({ ...before, resolution: 'month', commodity: shown.commodity })}`);
  const months = useMemo(
    () => (current.data && previous.data ? yearOverYear(current.data.rows, previous.data.rows, zone) : null),
    [current.data, previous.data],
  );
  const currency = current.data?.currency ?? null;
  const format = useMemo(() => (/** @type {number} */ value) => money(value, currency), [currency]);
  const chart = useMemo(() => (months ? {
    x: months.map((month) => Date.parse(localMidnight(`${month.month}-01`, zone)) / 1000),
    series: [
      { label: 'This range', color: PALETTE[0], values: months.map((month) => Number(month.spent)) },
      { label: 'A year before', color: PALETTE[1], values: months.map((month) => (month.earlier === null ? null : Number(month.earlier))) },
    ],
  } : null), [months]);
  let body;
  const error = current.error ?? previous.error;
  if (error) body = html`<${ErrorNote} error=${error} what="last year's costs" />`;
  else if (!months || !chart || !currency) body = html`<${Loading} />`;
  else {
    const download = () => downloadCsv(
      `aetherlens-${shown.commodity}-year-over-year-${shown.from}-${shown.to}.csv`,
      toCsv(['month', `spend (${currency})`, `a year before (${currency})`, `change (${currency})`],
        months.map((month) => [month.month, month.spent, month.earlier, month.change])),
    );
    body = html`
      <${Chart} x=${chart.x} series=${chart.series} kind="lines" valueFormat=${format}
        label=${`Spend per month against a year before: ${months.map((month) => `${month.month} ${format(Number(month.spent))} (${month.earlier === null ? 'nothing recorded' : format(Number(month.earlier))} a year before)`).join(', ')}`} />
      <${CsvButton} label="Download year over year as CSV" onClick=${download} testid="yoy-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label="Year over year, table">
        <table class="analysis" data-testid="yoy-table">
          <thead><tr><th scope="col">Month</th><th scope="col" class="num">Spend</th><th scope="col" class="num">A year before</th>
            <th scope="col" class="num">Change</th></tr></thead>
          <tbody>${months.map((month) => html`<tr key=${month.month} data-testid="yoy-row" data-month=${month.month}>
            <th scope="row">${month.month}</th>
            <td class="num">${money(month.spent, currency)}</td>
            <td class="num">${month.earlier === null ? 'not recorded' : money(month.earlier, currency)}</td>
            <td class="num">${month.change === null ? '—' : `${Number(month.change) > 0 ? '+' : ''}${money(month.change, currency)}${month.percent === null ? '' : ` (${month.percent > 0 ? '+' : ''}${Math.round(month.percent * 100)} %)`}`}</td>
          </tr>`)}</tbody>
        </table>
      </div>`;
  }
  return html`<section class="card wide" aria-labelledby="yoy-title">
    <h2 id="yoy-title">Year over year</h2>
    <p class="detail">Energy cost per month of the range, and of the same months a year before.</p>
    ${body}
  </section>`;
}

/**
 * The commodity's bill of every cycle the range touches, by component: a chart and a table.
 * UNIT is what its energy lines count (gas and water: the tariff's kWh or m³).
 * @param {{ shown: Shown, bill: import('../lib/hooks.js').Loaded<Answers['getBill']>, unit: string }} props
 */
function BillByCycle({ shown, bill, unit }) {
  const rows = useMemo(() => (bill.data ? billComponents(bill.data) : null), [bill.data]);
  const tiers = useMemo(() => (bill.data ? energyByPeriodAndTier(bill.data) : null), [bill.data]);
  let body;
  if (bill.error) body = html`<${ErrorNote} error=${bill.error} what="the bill" />`;
  else if (bill.loading || !bill.data || !rows || !tiers) body = html`<${Loading} />`;
  else {
    const data = bill.data;
    const format = (/** @type {number} */ value) => money(value, data.currency);
    const stack = componentStack(rows, data.cycles.length);
    const series = [
      ...stack.map((entry) => ({ label: entry.label, color: KIND_COLORS[/** @type {keyof typeof KIND_COLORS} */ (entry.kind)], values: entry.values })),
      { label: 'Total', color: PALETTE[3], kind: /** @type {const} */ ('lines'), values: data.cycles.map((cycle) => Number(cycle.total)) },
    ];
    const labels = data.cycles.map(cycleLabel);
    const download = () => downloadCsv(
      `aetherlens-${shown.commodity}-bill-${shown.from}-${shown.to}.csv`,
      toCsv([`component (${data.currency})`, ...labels, 'all cycles'], [
        ...rows.map((row) => [row.name, ...row.amounts, row.total]),
        ['Total', ...data.cycles.map((cycle) => cycle.total), data.total],
      ]),
    );
    body = html`
      <p class="detail">${data.tariff}, ${data.cycles.length} cycles, each billed whole (standing charges, demand, taxes and credits included):${' '}
        <strong data-testid="bill-total">${money(data.total, data.currency)}</strong></p>
      <${Chart} x=${data.cycles.map((cycle) => Date.parse(`${cycle.start}T12:00:00Z`) / 1000)} series=${series} kind="bars" valueFormat=${format}
        label=${`The bill per cycle by component: ${data.cycles.map((cycle) => `${cycleLabel(cycle)} ${format(Number(cycle.total))}`).join(', ')}`} />
      <${CsvButton} label="Download the bill's components as CSV" onClick=${download} testid="bill-csv" />
      <div class="table-scroll" tabindex="0" role="region" aria-label="The bill per cycle by component, table">
        <table class="analysis" data-testid="bill-table">
          <thead><tr><th scope="col">Component</th>${labels.map((label) => html`<th scope="col" class="num" key=${label}>${label}</th>`)}
            <th scope="col" class="num">All cycles</th></tr></thead>
          <tbody>${rows.map((row) => html`<tr key=${`${row.kind}:${row.name}`} data-testid="bill-row" data-name=${row.name}>
            <th scope="row">${row.name}</th>
            ${row.amounts.map((amount, index) => html`<td class="num" key=${labels[index]}>${money(amount, data.currency)}</td>`)}
            <td class="num">${money(row.total, data.currency)}</td>
          </tr>`)}</tbody>
          <tfoot><tr data-testid="bill-totals"><th scope="row">Total</th>
            ${data.cycles.map((cycle) => html`<td class="num" key=${cycle.start}>${money(cycle.total, data.currency)}</td>`)}
            <td class="num">${money(data.total, data.currency)}</td></tr></tfoot>
        </table>
      </div>
      <h3 id="tiers-title">Energy by time-of-use period and tier</h3>
      <div class="table-scroll" tabindex="0" role="region" aria-labelledby="tiers-title">
        <table class="analysis" data-testid="tier-table">
          <thead><tr><th scope="col">Period</th><th scope="col" class="num">Tier</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Cost</th></tr></thead>
          <tbody>${tiers.map((line) => html`<tr key=${`${line.period}-${line.tier}`} data-testid="tier-row">
            <th scope="row">${line.period}</th><td class="num">${line.tier}</td><td class="num">${unit === 'kWh' ? kwh(Number(line.kwh)) : `${line.kwh} ${unit}`}</td>
            <td class="num">${money(line.cost, data.currency)}</td></tr>`)}</tbody>
        </table>
      </div>`;
  }
  return html`<section class="card wide" aria-labelledby="bill-title">
    <h2 id="bill-title">The ${shown.commodity} bill per cycle</h2>
    ${body}
  </section>`;
}

/**
 * The cost analysis: spend by day, week, month or billing cycle (by device or TOU period, of
 * each commodity the ledger prices), year over year, and the commodity's bill by component per
 * cycle; each table downloadable as CSV.
 */
export function Analysis() {
  /** @type {import('../lib/hooks.js').Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary');
  /** @type {import('../lib/hooks.js').Loaded<Answers['getLedger']>} */
  const ledger = useApi('api/v1/ledger');
  const [form, setForm] = useState(/** @type {Shown|null} */ (null));
  const [shown, setShown] = useState(/** @type {Shown|null} */ (null));
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const zone = summary.data?.timezone ?? null;
  const initial = useMemo(
    () => (zone ? { ...lastYear(localDate(zone)), commodity: 'electricity', by: /** @type {SpendBy} */ ('month'), split: /** @type {SplitBy} */ ('device') } : null),
    [zone],
  );
  const current = shown ?? initial;
  const range = current && zone ? instants(current.from, current.to, zone) : null;
  // The bill's cycles both group the spend by cycle and are the bill's section.
  /** @type {import('../lib/hooks.js').Loaded<Answers['getBill']>} */
  const bill = useApi(range && current ? `api/v1/bill${query({ ...range, commodity: current.commodity })}` : null);
  const names = useMemo(() => new Map((summary.data?.devices ?? []).map((device) => [device.id, device.name])), [summary.data]);
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (ledger.error) return html`<${ErrorNote} error=${ledger.error} what="the ledger" />`;
  if (!summary.data || !ledger.data || !zone || !current) return html`<${Loading} />`;
  const priced = new Map(ledger.data.parts.filter((part) => part.tariff !== null).map((part) => [part.commodity, part]));
  const commodities = COMMODITIES.filter((commodity) => commodity === 'electricity' || priced.has(/** @type {*} */ (commodity)));
  const unit = current.commodity === 'electricity' ? 'kWh' : (priced.get(/** @type {*} */ (current.commodity))?.unit ?? '');
  const values = form ?? current;
  /** @param {Partial<Shown>} change */
  const edit = (change) => setForm({ ...values, ...change });
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const show = (event) => {
    event.preventDefault();
    const found = rangeErrors(values.from, values.to);
    setErrors(found);
    if (found.size > 0) {
      const first = FIELDS.find((path) => found.has(path));
      requestAnimationFrame(() => (first ? document.getElementById(fieldId(first)) : null)?.focus());
      return;
    }
    setShown(values);
  };
  const byOptions = Object.entries(BY_LABELS).map(([id, label]) => ({ value: id, label }));
  // While another bill loads, the one before is not this one's.
  const cycles = bill.data && !bill.loading ? bill.data.cycles : null;
  return html`
    <h1 class="view-title">Cost analysis</h1>
    <form class="card wide" onSubmit=${show} noValidate aria-label="What to analyse">
      <div class="fields">
        <${Field} path="start" label="From" type="date" value=${values.from} onInput=${(/** @type {string} */ from) => edit({ from })} messages=${errors.get('start')} />
        <${Field} path="end" label="To" type="date" value=${values.to} onInput=${(/** @type {string} */ to) => edit({ to })} messages=${errors.get('end')}
          hint=${`the last day shown; at most ${MAX_DAYS} days`} />
        <${Field} path="commodity" label="Commodity" value=${values.commodity} options=${commodities} onInput=${(/** @type {string} */ commodity) => edit({ commodity })} />
        <${Field} path="by" label="Spend by" value=${values.by} options=${byOptions} onInput=${(/** @type {string} */ by) => edit({ by: /** @type {SpendBy} */ (by) })} />
        <${Field} path="split" label="Split by" value=${values.split} options=${Object.entries(SPLIT_LABELS).map(([id, label]) => ({ value: id, label }))}
          onInput=${(/** @type {string} */ split) => edit({ split: /** @type {SplitBy} */ (split) })} />
      </div>
      <button type="submit" class="primary">Show</button>
    </form>
    <${Spend} key=${JSON.stringify(current)} shown=${current} zone=${zone} names=${names} cycles=${cycles} cycleError=${bill.error} />
    <${YearOverYear} key=${JSON.stringify([current.from, current.to, current.commodity])} shown=${current} zone=${zone} />
    <${BillByCycle} key=${JSON.stringify(current)} shown=${current} bill=${bill} unit=${unit} />
  `;
}
