import { html } from 'htm/preact';
import { useMemo } from 'preact/hooks';
import { Chart, PALETTE } from '../components/Chart.js';
import { ErrorNote, Loading, Meter } from '../components/Common.js';
import { Ledger } from '../components/Ledger.js';
import { query } from '../lib/api.js';
import { kwh, money, price } from '../lib/format.js';
import { useApi, useLive } from '../lib/hooks.js';
import { householdParts, lastDay, stackByDevice } from '../lib/series.js';
import { localMidnight, nextMonth } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').Summary} Summary */
/** @typedef {import('../lib/apiTypes.js').Device} Device */
/** @typedef {import('../lib/apiTypes.js').CycleDates} CycleDates */

/**
 * The billing cycle from the projection, or the calendar month when there is no tariff.
 * @param {Answers['getProjection']|null} projection
 * @param {Summary} summary
 * @returns {CycleDates}
 */
function cycleOf(projection, summary) {
  if (projection?.cycle) return projection.cycle;
  return { start: summary.period.month_start, end: nextMonth(summary.period.month_start) };
}

/** @param {{ label: string, value: string, detail: string|null, id: string }} props */
function Figure({ label, value, detail, id }) {
  return html`<section class="card figure" aria-labelledby=${id}>
    <h2 id=${id}>${label}</h2>
    <p class="value" data-testid=${id}>${value}</p>
    ${detail && html`<p class="detail">${detail}</p>`}
  </section>`;
}

/** @param {{ summary: Summary, devices: Device[], cycle: CycleDates, refresh: number }} props */
function CycleChart({ summary, devices, cycle, refresh }) {
  const zone = summary.timezone;
  const start = localMidnight(cycle.start, zone);
  const end = localMidnight(cycle.end, zone);
  const path = `api/v1/costs${query({
    start,
    end,
    resolution: 'day',
    group: 'device',
  })}`;
  /** @type {import('../lib/hooks.js').Loaded<Answers['getCosts']>} */
  const costs = useApi(path, refresh);
  const names = useMemo(() => new Map(devices.map((device) => [device.id, device.name])), [devices]);
  // The engine's rows are the household's parts and the rest of the house: they add up.
  const stacked = useMemo(() => (costs.data ? stackByDevice(costs.data.rows, names) : null), [costs.data, names]);
  const series = useMemo(
    () => stacked?.series.map((entry, index) => ({ label: entry.name, values: entry.stacked, color: PALETTE[index % PALETTE.length] })),
    [stacked],
  );
  const format = useMemo(() => (/** @type {number} */ value) => money(value, summary.currency), [summary.currency]);
  let body;
  if (costs.error) body = html`<${ErrorNote} error=${costs.error} what="costs per day" />`;
  else if (!stacked) body = html`<${Loading} />`;
  else body = html`<${Chart} x=${stacked.x} series=${series} kind="bars" valueFormat=${format} xRange=${[Date.parse(start) / 1000, Date.parse(end) / 1000]}
      label=${`Cost by device per day from ${cycle.start}: ${stacked.series.map((s) => `${s.name} ${format(s.total)}`).join(', ')}`} />`;
  return html`<section class="card wide" aria-labelledby="cycle-chart">
    <h2 id="cycle-chart">Cost by device per day, this cycle</h2>
    ${body}
  </section>`;
}

/** @param {{ summary: Summary }} props */
function TopDevices({ summary }) {
  const priced = summary.devices.some((device) => device.cost_month !== null);
  // The parts of the house: never the mains meter beside what it contains.
  const top = [...householdParts(summary.devices)]
    .sort((a, b) => (priced ? Number(b.cost_month) - Number(a.cost_month) : b.energy_month_kwh - a.energy_month_kwh))
    .slice(0, 8);
  return html`<section class="card" aria-labelledby="top-devices">
    <h2 id="top-devices">Top devices this month</h2>
    ${top.length === 0
      ? html`<p class="empty">No devices yet.</p>`
      : html`<table>
          <thead><tr><th scope="col">Device</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Cost</th></tr></thead>
          <tbody>
            ${top.map((device) => html`<tr key=${device.id}>
              <th scope="row"><a href=${`#/devices/${device.id}`}>${device.name}</a></th>
              <td class="num">${kwh(device.energy_month_kwh)}</td>
              <td class="num">${money(device.cost_month, summary.currency)}</td>
            </tr>`)}
          </tbody>
        </table>`}
  </section>`;
}

/** @type {Object<string, string>} */
const PROVIDERS = { aws_cost_explorer: 'AWS', azure_cost_management: 'Azure' };

/**
 * A provider's name from the plugin behind an account (`aws_cost_explorer` → AWS).
 * @param {string} source
 */
export function providerName(source) {
  return PROVIDERS[source] ?? source.replace(/_/g, ' ');
}

/** Cloud spending this month by provider (the plugin behind each account), account, service. */
/** @param {{ summary: Summary, devices: Device[] }} props */
function Cloud({ summary, devices }) {
  const sources = new Map(devices.map((device) => [device.id, device.source]));
  /** @type {Map<string, import('../lib/apiTypes.js').CloudAccount[]>} */
  const providers = new Map();
  for (const account of summary.cloud.accounts) {
    const provider = sources.get(account.device_id) ?? 'cloud';
    if (!providers.has(provider)) providers.set(provider, []);
    /** @type {import('../lib/apiTypes.js').CloudAccount[]} */ (providers.get(provider)).push(account);
  }
  return html`<section class="card" aria-labelledby="cloud">
    <h2 id="cloud">Cloud, month to date</h2>
    ${providers.size === 0
      ? html`<p class="empty">No cloud accounts.</p>`
      : html`<table>
          <thead><tr><th scope="col">Provider / account / service</th><th scope="col" class="num">Month to date</th><th scope="col" class="num">Forecast</th></tr></thead>
          ${[...providers.entries()].map(([provider, accounts]) => html`<tbody key=${provider}>
            <tr class="group"><th scope="rowgroup" colspan="3">${providerName(provider)}</th></tr>
            ${accounts.map((account) => html`<tr key=${`${account.device_id}-${account.currency}`}>
                <th scope="row">${account.name}${account.estimated ? ' (estimated)' : ''}</th>
                <td class="num">${money(account.month_to_date, account.currency)}</td>
                <td class="num">${money(account.forecast, account.currency)}</td>
              </tr>
              ${(account.top_services ?? []).map((service) => html`<tr class="service" key=${`${account.device_id}-${service.name}`}>
                <th scope="row">${service.name}</th>
                <td class="num">${money(service.amount, account.currency)}</td>
                <td></td>
              </tr>`)}`)}
          </tbody>`)}
        </table>`}
  </section>`;
}

/** @param {{ summary: Summary }} props */
function Budgets({ summary }) {
  return html`<section class="card" aria-labelledby="budgets">
    <h2 id="budgets">Budgets</h2>
    ${summary.budgets.length === 0
      ? html`<p class="empty">No budgets.</p>`
      : html`<ul class="budgets">
          ${summary.budgets.map((budget) => html`<li key=${budget.id}>
            <${Meter} label=${budget.name} value=${budget.spent === null ? null : Number(budget.spent)} max=${Number(budget.amount)}
              text=${`${money(budget.spent, budget.currency)} of ${money(budget.amount, budget.currency)} (${budget.period})`} />
          </li>`)}
        </ul>`}
  </section>`;
}

export function Overview() {
  // New figures rolled up in the engine: everything is read again, without a reload.
  const { refresh } = useLive();
  /** @type {import('../lib/hooks.js').Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary', refresh);
  /** @type {import('../lib/hooks.js').Loaded<Answers['listDevices']>} */
  const devices = useApi('api/v1/devices');
  /** @type {import('../lib/hooks.js').Loaded<Answers['getProjection']>} */
  const projection = useApi('api/v1/projection', refresh);
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (devices.error) return html`<${ErrorNote} error=${devices.error} what="the devices" />`;
  // The projection's first answer (or refusal: no tariff) is waited for; a re-read is not.
  if (!summary.data || !devices.data || (projection.loading && !projection.data && !projection.error)) return html`<${Loading} />`;
  const data = summary.data;
  const currency = data.currency;
  const plan = projection.data;
  const cycle = cycleOf(plan, data);
  return html`
    <h1 class="view-title">Overview</h1>
    <div class="grid figures">
      <${Figure} id="today" label="Today" value=${money(data.household.cost_today, currency)} detail=${kwh(data.household.energy_today_kwh)} />
      <${Figure} id="cycle" label=${plan ? 'This cycle' : 'This month'} value=${money(plan?.cost_so_far ?? data.household.cost_month, currency)}
        detail=${plan ? `${kwh(plan.energy_so_far_kwh)} since ${cycle.start} · day ${plan.day_of_cycle} of ${plan.days_total}` : kwh(data.household.energy_month_kwh)} />
      <${Figure} id="projected" label="Projected bill" value=${money(plan?.projected_total, currency)}
        detail=${plan ? `${cycle.start} – ${lastDay(cycle.end)}` : 'needs an active tariff'} />
      <${Figure} id="price" label="Price now" value=${price(data.price?.current ?? null, currency)}
        detail=${data.price?.period ? `period ${data.price.period}` : null} />
    </div>
    <div class="grid">
      <${Ledger} refresh=${refresh} />
      <${CycleChart} summary=${data} devices=${devices.data.devices} cycle=${cycle} refresh=${refresh} />
      <${TopDevices} summary=${data} />
      <${Cloud} summary=${data} devices=${devices.data.devices} />
      <${Budgets} summary=${data} />
    </div>
  `;
}
