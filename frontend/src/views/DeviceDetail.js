import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import { Chart, PALETTE } from '../components/Chart.js';
import { ErrorNote, Loading } from '../components/Common.js';
import { query } from '../lib/api.js';
import { kwh, money } from '../lib/format.js';
import { useApi, useLive } from '../lib/hooks.js';
import { ZOOMS, totalsBy, zoomRange } from '../lib/series.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

const ENERGY_KINDS = new Set(['meter', 'appliance', 'grid', 'solar', 'battery']);

/** @param {number|null|undefined} watts */
function kilowatts(watts) {
  return watts === null || watts === undefined ? null : watts / 1000;
}

/**
 * @typedef {import('../lib/apiTypes.js').Device} Device
 * @typedef {ReturnType<typeof zoomRange>} Range
 */

/** @param {{ device: Device, range: Range, zoom: string, refresh: number }} props */
function History({ device, range, zoom, refresh }) {
  /** @type {Loaded<Answers['getDeviceEnergy']>} */
  const energy = useApi(`api/v1/devices/${device.id}/energy${query(range)}`, refresh);
  const points = energy.data?.points;
  const chart = useMemo(() => {
    if (!points) return null;
    const x = points.map((point) => Date.parse(point.start) / 1000);
    const series = [
      { label: 'Energy (kWh)', values: points.map((point) => point.energy_kwh), color: PALETTE[0], kind: 'bars' },
      { label: 'Peak power (kW)', values: points.map((point) => kilowatts(point.max_power_w)), color: PALETTE[1] },
    ];
    return { x, series };
  }, [points]);
  if (energy.error) return html`<${ErrorNote} error=${energy.error} what="this device's history" />`;
  if (!chart) return html`<${Loading} />`; // a chart is made from energy.data
  return html`
    <p class="detail" data-testid="history-total">${kwh(/** @type {Answers['getDeviceEnergy']} */ (energy.data).total_kwh)} in this ${zoom} · drag across the chart to zoom in, double-click to zoom out</p>
    <${Chart} x=${chart.x} series=${chart.series} kind="lines" xRange=${[Date.parse(range.from) / 1000, Date.parse(range.to) / 1000]}
      label=${`Energy of ${device.name} per ${range.resolution}: ${kwh(/** @type {Answers['getDeviceEnergy']} */ (energy.data).total_kwh)} in total`} />
  `;
}

/** @param {{ device: Device, range: Range, currency: string|undefined, refresh: number }} props */
function PeriodCosts({ device, range, currency, refresh }) {
  /** @type {Loaded<Answers['getCosts']>} */
  const costs = useApi(`api/v1/costs${query({ start: range.from, end: range.to, resolution: 'day', group: 'period', device_id: device.id })}`, refresh);
  if (costs.error) return html`<${ErrorNote} error=${costs.error} what="costs by period" />`;
  if (!costs.data) return html`<${Loading} />`;
  const totals = totalsBy(costs.data.rows, 'period');
  if (totals.length === 0) return html`<p class="empty">No costs in this range (is a tariff active?).</p>`;
  const most = Math.max(...totals.map((entry) => entry.cost), 0);
  return html`<table class="periods">
    <thead><tr><th scope="col">Period</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Cost</th><th scope="col"><span class="sr-only">Share</span></th></tr></thead>
    <tbody>
      ${totals.map((entry, index) => html`<tr key=${entry.name}>
        <th scope="row">${entry.name}</th>
        <td class="num">${kwh(entry.energy)}</td>
        <td class="num">${money(entry.cost, /** @type {Answers['getCosts']} */ (costs.data).currency ?? currency)}</td>
        <td class="bar-cell" aria-hidden="true"><span style=${{ width: `${most > 0 ? (entry.cost / most) * 100 : 0}%`, background: PALETTE[index % PALETTE.length] }}></span></td>
      </tr>`)}
    </tbody>
  </table>`;
}

/** @param {{ deviceId: string|null }} props */
export function DeviceDetail({ deviceId }) {
  // New figures rolled up in the engine: the history and costs are read again, without a reload.
  const { refresh } = useLive();
  /** @type {Loaded<Answers['listDevices']>} */
  const devices = useApi('api/v1/devices');
  /** @type {Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary', refresh);
  const [zoom, setZoom] = useState('week');
  const [shift, setShift] = useState(0);
  const [now] = useState(() => new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000));
  const range = useMemo(() => zoomRange(zoom, now, shift), [zoom, now, shift]);
  if (devices.error) return html`<${ErrorNote} error=${devices.error} what="the devices" />`;
  if (!devices.data) return html`<${Loading} />`;
  const list = devices.data.devices.filter((device) => ENERGY_KINDS.has(device.kind));
  const device = list.find((entry) => String(entry.id) === deviceId) ?? list[0];
  if (!device) return html`<h1 class="view-title">Devices</h1><p class="empty">No energy devices yet.</p>`;
  return html`
    <h1 class="view-title">${device.name}</h1>
    <div class="toolbar">
      <label for="device-select">Device</label>
      <select id="device-select" value=${device.id} onChange=${(/** @type {import('preact').TargetedEvent<HTMLSelectElement>} */ event) => { location.hash = `#/devices/${event.currentTarget.value}`; }}>
        ${list.map((entry) => html`<option key=${entry.id} value=${entry.id}>${entry.name} (${entry.kind})</option>`)}
      </select>
      <div role="group" aria-label="Zoom" class="segmented">
        ${ZOOMS.map((entry) => html`<button key=${entry.id} type="button" aria-pressed=${zoom === entry.id}
          onClick=${() => { setZoom(entry.id); setShift(0); }}>${entry.label}</button>`)}
      </div>
      <div role="group" aria-label="Move in time" class="segmented">
        <button type="button" onClick=${() => setShift(shift + 1)}>◀ Earlier</button>
        <button type="button" disabled=${shift === 0} onClick=${() => setShift(shift - 1)}>Later ▶</button>
      </div>
    </div>
    <section class="card wide" aria-labelledby="history">
      <h2 id="history">Energy and power, ${new Date(range.from).toLocaleDateString()} – ${new Date(range.to).toLocaleDateString()}</h2>
      <${History} device=${device} range=${range} zoom=${zoom} refresh=${refresh} />
    </section>
    <section class="card wide" aria-labelledby="by-period">
      <h2 id="by-period">Cost by time-of-use period</h2>
      <${PeriodCosts} device=${device} range=${range} currency=${summary.data?.currency} refresh=${refresh} />
    </section>
  `;
}
