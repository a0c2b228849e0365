import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { COLUMNS, deviceRows, shownRows } from '../lib/deviceTable.js';
import { kwh, money } from '../lib/format.js';
import { useApi, useLive } from '../lib/hooks.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/deviceTable.js').Column} Column */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

const NUMERIC = new Set(['energyToday', 'costToday', 'energyMonth', 'costMonth']);

/** Every metered device with its figures, its Home Assistant entity and area; filter and sort. */
export function DeviceList() {
  const { refresh } = useLive();
  /** @type {Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary', refresh);
  /** @type {Loaded<Answers['listDevices']>} */
  const devices = useApi('api/v1/devices');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState(/** @type {{ column: Column, direction: 'ascending'|'descending' }} */ ({ column: 'costMonth', direction: 'descending' }));
  const rows = useMemo(
    () => (summary.data && devices.data ? deviceRows(summary.data.devices, devices.data.devices) : null),
    [summary.data, devices.data],
  );
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (devices.error) return html`<${ErrorNote} error=${devices.error} what="the devices" />`;
  if (!rows || !summary.data) return html`<${Loading} />`;
  const currency = summary.data.currency;
  const shown = shownRows(rows, filter, sort.column, sort.direction);
  /** @param {Column} column */
  const sortBy = (column) => setSort((previous) => ({
    column,
    direction: previous.column === column && previous.direction === 'descending' ? 'ascending' : previous.column === column ? 'descending' : NUMERIC.has(column) ? 'descending' : 'ascending',
  }));
  return html`
    <h1 class="view-title">Devices</h1>
    <div class="toolbar">
      <label for="device-filter">Filter</label>
      <input id="device-filter" type="search" value=${filter} placeholder="name, entity or area"
        onInput=${(/** @type {import('preact').TargetedEvent<HTMLInputElement>} */ event) => setFilter(event.currentTarget.value)} />
      <p class="detail" role="status" data-testid="device-count">${shown.length} of ${rows.length} devices</p>
    </div>
    <section class="card wide table-scroll" aria-labelledby="device-table" tabindex="0">
      <h2 id="device-table">Metered devices</h2>
      <table class="device-table">
        <thead><tr>
          ${/** @type {Column[]} */ (Object.keys(COLUMNS)).map((column) => html`<th key=${column} scope="col" class=${NUMERIC.has(column) ? 'num' : ''}
              aria-sort=${sort.column === column ? sort.direction : undefined}>
            <button type="button" class="link" onClick=${() => sortBy(column)}>${COLUMNS[column]}${sort.column === column ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}</button>
          </th>`)}
        </tr></thead>
        <tbody>
          ${shown.map((row) => html`<tr key=${row.id} data-testid="device-row">
            <th scope="row"><a href=${`#/devices/${row.id}`}>${row.name}</a><br /><small class="muted">${row.entity ?? row.kind}</small></th>
            <td>${row.area ?? '—'}</td>
            <td class="num">${kwh(row.energyToday)}</td>
            <td class="num">${money(row.costToday, currency)}</td>
            <td class="num">${kwh(row.energyMonth)}</td>
            <td class="num">${money(row.costMonth, currency)}</td>
          </tr>`)}
        </tbody>
      </table>
    </section>`;
}
