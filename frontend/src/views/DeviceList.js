import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Checkbox, Field, fieldId } from '../components/Field.js';
import { api } from '../lib/api.js';
import { COLUMNS, changeOf, deviceRows, shownRows, sparkPoints, trendWords } from '../lib/deviceTable.js';
import { day, kwh, money } from '../lib/format.js';
import { useApi, useLive } from '../lib/hooks.js';
import { errorsByField, validationErrors } from '../lib/validation.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/deviceTable.js').Column} Column */
/** @typedef {import('../lib/deviceTable.js').DeviceRow} DeviceRow */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

const NUMERIC = new Set(['energyToday', 'costToday', 'energyCycle', 'costCycle', 'trendChange']);
const FIELDS = ['display_name', 'in_household'];
const MESSAGE_ID = 'device-message';

/** The last 14 days' energy as a line, with the change in words for those who do not see it. */
function Trend(/** @type {{ row: DeviceRow }} */ { row }) {
  const words = trendWords(row.trendChange);
  return html`<span class="trend">
    <svg class="sparkline" width="64" height="20" viewBox="-1 -1 66 22" aria-hidden="true" focusable="false">
      <polyline points=${sparkPoints(row.trend, 64, 20)} />
    </svg>
    <span>${words ?? '—'}</span>
  </span>`;
}

/**
 * The form renaming ROW or leaving it out of the household; the engine's refusal shown at its field.
 * @param {{ row: DeviceRow, onSaved: (name: string) => void, onCancel: () => void }} props
 */
function DeviceEditor({ row, onSaved, onCancel }) {
  const [name, setName] = useState(row.renamed ? row.name : '');
  const [inHousehold, setInHousehold] = useState(row.inHousehold);
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [busy, setBusy] = useState(false);

  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const save = async (event) => {
    event.preventDefault();
    const body = changeOf(row, name, inHousehold);
    setBusy(true);
    try {
      /** @type {Answers['changeDevice']} */
      const changed = await api(`api/v1/devices/${row.id}`, { method: 'PATCH', body });
      onSaved(changed.device.name);
    } catch (err) {
      const grouped = errorsByField(validationErrors(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }], FIELDS);
      setErrors(grouped);
      const first = FIELDS.find((path) => grouped.has(path));
      requestAnimationFrame(() => ((first ? document.getElementById(fieldId(first)) : null) ?? document.getElementById(MESSAGE_ID))?.focus());
    } finally {
      setBusy(false);
    }
  };
  const general = errors.get('general');
  return html`<section class="card wide" aria-labelledby="device-form-title">
    <h2 id="device-form-title">Edit ${row.name}</h2>
    <form onSubmit=${save} noValidate>
      <div class="fields">
        <${Field} path="display_name" label="Name" value=${name} onInput=${setName} messages=${errors.get('display_name')}
          hint=${`Empty: the name from its source, ${row.sourceName}`} />
        <${Checkbox} path="in_household" label="Count it in the household total" checked=${inHousehold}
          onChange=${setInHousehold} messages=${errors.get('in_household')} />
      </div>
      <p class="detail">A sub-meter whose parent already counts its energy is left out, so that it is not counted twice.</p>
      <p id=${MESSAGE_ID} class=${`message${general ? ' error' : ''}`} role=${general ? 'alert' : 'status'} tabindex="-1">${general?.join(' · ')}</p>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>Save device</button>
        <button type="button" onClick=${onCancel}>Cancel</button>
      </div>
    </form>
  </section>`;
}

/** Every metered device with its figures, its Home Assistant entity and area; filter, sort, rename, leave out. */
export function DeviceList() {
  const { refresh } = useLive();
  /** @type {Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary', refresh);
  /** @type {Loaded<Answers['getDeviceFigures']>} */
  const figures = useApi('api/v1/devices/figures', refresh);
  /** @type {Loaded<Answers['listDevices']>} */
  const devices = useApi('api/v1/devices');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState(/** @type {{ column: Column, direction: 'ascending'|'descending' }} */ ({ column: 'costCycle', direction: 'descending' }));
  const [editing, setEditing] = useState(/** @type {number|null} */ (null));
  const [notice, setNotice] = useState('');
  const rows = useMemo(
    () => (summary.data && devices.data && figures.data ? deviceRows(summary.data.devices, devices.data.devices, figures.data.devices) : null),
    [summary.data, devices.data, figures.data],
  );
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (devices.error) return html`<${ErrorNote} error=${devices.error} what="the devices" />`;
  if (figures.error) return html`<${ErrorNote} error=${figures.error} what="the devices' figures" />`;
  if (!rows || !summary.data || !figures.data) return html`<${Loading} />`;
  const currency = summary.data.currency;
  const shown = shownRows(rows, filter, sort.column, sort.direction);
  const edited = rows.find((row) => row.id === editing) ?? null;
  /** @param {Column} column */
  const sortBy = (column) => setSort((previous) => ({
    column,
    direction: previous.column === column && previous.direction === 'descending' ? 'ascending' : previous.column === column ? 'descending' : NUMERIC.has(column) ? 'descending' : 'ascending',
  }));
  /** @param {DeviceRow} row */
  const edit = (row) => {
    setEditing(row.id);
    setNotice('');
    requestAnimationFrame(() => document.getElementById(fieldId('display_name'))?.focus());
  };
  /** @param {number} id */
  const backToRow = (id) => requestAnimationFrame(() => document.getElementById(`edit-device-${id}`)?.focus());
  /** @param {string} name */
  const saved = (name) => {
    const id = /** @type {number} */ (editing);
    setEditing(null);
    setNotice(`Saved ${name}.`);
    devices.reload();
    summary.reload();
    figures.reload();
    backToRow(id);
  };
  return html`
    <h1 class="view-title">Devices</h1>
    <div class="toolbar">
      <label for="device-filter">Filter</label>
      <input id="device-filter" type="search" value=${filter} placeholder="name, entity or area"
        onInput=${(/** @type {import('preact').TargetedEvent<HTMLInputElement>} */ event) => setFilter(event.currentTarget.value)} />
      <p class="detail" role="status" data-testid="device-count">${shown.length} of ${rows.length} devices</p>
    </div>
    <p class="message ok" role="status" data-testid="device-notice">${notice}</p>
    ${edited && html`<${DeviceEditor} key=${edited.id} row=${edited} onSaved=${saved}
      onCancel=${() => { setEditing(null); backToRow(edited.id); }} />`}
    <section class="card wide table-scroll" aria-labelledby="device-table" tabindex="0">
      <h2 id="device-table">Metered devices</h2>
      <p class="detail" data-testid="device-cycle">This cycle: ${day(figures.data.cycle_start)} – ${day(figures.data.cycle_end)} (end exclusive)</p>
      <table class="device-table">
        <thead><tr>
          ${/** @type {Column[]} */ (Object.keys(COLUMNS)).map((column) => html`<th key=${column} scope="col" class=${NUMERIC.has(column) ? 'num' : ''}
              aria-sort=${sort.column === column ? sort.direction : undefined}>
            <button type="button" class="link" onClick=${() => sortBy(column)}>${COLUMNS[column]}${sort.column === column ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''}</button>
          </th>`)}
          <th scope="col"><span class="sr-only">Actions</span></th>
        </tr></thead>
        <tbody>
          ${shown.map((row) => html`<tr key=${row.id} data-testid="device-row" data-id=${row.id} data-in-household=${String(row.inHousehold)}>
            <th scope="row"><a href=${`#/devices/${row.id}`}>${row.name}</a>
              ${!row.inHousehold && html` <span class="badge out" data-testid="left-out">not in the household total</span>`}
              <br /><small class="muted">${row.entity ?? row.kind}${row.renamed ? ` · ${row.sourceName}` : ''}</small></th>
            <td>${row.area ?? '—'}</td>
            <td class="num">${kwh(row.energyToday)}</td>
            <td class="num">${money(row.costToday, currency)}</td>
            <td class="num">${kwh(row.energyCycle)}</td>
            <td class="num">${money(row.costCycle, currency)}</td>
            <td class="num"><${Trend} row=${row} /></td>
            <td><button type="button" id=${`edit-device-${row.id}`} onClick=${() => edit(row)} aria-label=${`Edit ${row.name}`}>Edit</button></td>
          </tr>`)}
        </tbody>
      </table>
    </section>`;
}
