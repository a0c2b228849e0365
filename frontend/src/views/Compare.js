import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { api } from '../lib/api.js';
import { billLines } from '../lib/bill.js';
import { kwh, money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { lastDay } from '../lib/series.js';
import { addDays, localDate, localMidnight } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('preact').TargetedEvent<HTMLInputElement|HTMLSelectElement>} Changed */

/**
 * Say how much of the range has no recorded energy: both bills price the recorded hours only.
 * @param {import('../lib/apiTypes.js').Recorded} recorded
 */
function missingNote(recorded) {
  if (!recorded || recorded.hours >= recorded.of_hours) return null;
  const days = (/** @type {number} */ hours) => (hours / 24).toFixed(hours % 24 === 0 ? 0 : 1);
  const missing = Math.round((100 * (recorded.of_hours - recorded.hours)) / recorded.of_hours);
  return html`<p class="note" role="note" data-testid="missing">
    Only ${days(recorded.hours)} of ${days(recorded.of_hours)} days are recorded (${missing} % missing): both bills price the recorded hours only.
  </p>`;
}

/** @param {{ title: string, bill: import('../lib/apiTypes.js').Bill, currency: string, id: string }} props */
function Bill({ title, bill, currency, id }) {
  return html`<section class="card bill" aria-labelledby=${id}>
    <h2 id=${id}>${title}: ${bill.tariff}</h2>
    <p class="value" data-testid=${`${id}-total`}>${money(bill.total, currency)}</p>
    <table>
      <thead><tr><th scope="col">Cycle</th><th scope="col" class="num">Energy</th><th scope="col" class="num">Total</th></tr></thead>
      <tbody>
        ${bill.cycles.map((cycle) => html`<tr key=${cycle.start}>
          <th scope="row">${cycle.start} – ${lastDay(cycle.end)}</th>
          <td class="num">${kwh(Number(cycle.import_kwh))}</td>
          <td class="num">${money(cycle.total, currency)}</td>
        </tr>`)}
      </tbody>
    </table>
    <table data-testid=${`${id}-lines`}>
      <caption>What the total is made of</caption>
      <tbody>
        ${billLines(bill).map((line) => html`<tr key=${line.label}>
          <th scope="row">${line.label}</th>
          <td class="num">${money(line.amount, currency)}</td>
        </tr>`)}
      </tbody>
    </table>
  </section>`;
}

export function Compare() {
  /** @type {import('../lib/hooks.js').Loaded<Answers['listTariffs']>} */
  const list = useApi('api/v1/tariffs');
  /** @type {import('../lib/hooks.js').Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary');
  const [alternative, setAlternative] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [result, setResult] = useState(/** @type {Answers['compareTariffs']|null} */ (null));
  const [error, setError] = useState(/** @type {Error|null} */ (null));
  const [busy, setBusy] = useState(false);
  if (list.error) return html`<${ErrorNote} error=${list.error} what="the tariffs" />`;
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (!list.data || !summary.data) return html`<${Loading} />`;
  const zone = summary.data.timezone;
  // list.data is narrowed above, but not inside the callback.
  const others = list.data.tariffs.filter((tariff) => tariff.name !== /** @type {Answers['listTariffs']} */ (list.data).active);
  const chosen = alternative || others[0]?.name || '';
  /** @param {SubmitEvent} event */
  async function compare(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      /** @type {import('../lib/apiTypes.js').Requests['compareTariffs']} */
      const body = { tariff: chosen };
      if (start && end) {
        body.start = localMidnight(start, zone);
        body.end = localMidnight(addDays(end, 1), zone); // "To" is the last day compared
      }
      setResult(await /** @type {Promise<Answers['compareTariffs']>} */ (api('api/v1/compare', { method: 'POST', body })));
    } catch (err) {
      setResult(null);
      setError(/** @type {Error} */ (err));
    } finally {
      setBusy(false);
    }
  }
  const difference = result ? Number(result.difference) : 0;
  return html`
    <h1 class="view-title">Compare tariffs</h1>
    ${!list.data.active ? html`<p class="empty">Activate a tariff first: the comparison prices your recorded usage under the active tariff and another one.</p>`
      : others.length === 0 ? html`<p class="empty">Save a second tariff to compare it with ${list.data.active}.</p>`
      : html`<form class="card toolbar compare-form" onSubmit=${compare}>
          <div class="field"><label for="compare-current">Current</label><input id="compare-current" value=${list.data.active} readOnly /></div>
          <div class="field"><label for="compare-alternative">Alternative</label>
            <select id="compare-alternative" value=${chosen} onChange=${(/** @type {Changed} */ event) => setAlternative(event.currentTarget.value)}>
              ${others.map((tariff) => html`<option key=${tariff.name} value=${tariff.name}>${tariff.name}</option>`)}
            </select></div>
          <div class="field"><label for="compare-start">From</label><input id="compare-start" type="date" value=${start} onChange=${(/** @type {Changed} */ event) => setStart(event.currentTarget.value)} aria-describedby="compare-hint" /></div>
          <div class="field"><label for="compare-end">To</label><input id="compare-end" type="date" value=${end} onChange=${(/** @type {Changed} */ event) => setEnd(event.currentTarget.value)} aria-describedby="compare-hint" /></div>
          <small id="compare-hint" class="hint">Give both dates, or neither for the last full billing cycle.</small>
          <button type="submit" class="primary" disabled=${busy}>Compare</button>
        </form>`}
    ${error && html`<${ErrorNote} error=${error} what="the comparison" />`}
    ${result && html`
      <p class=${`verdict ${difference < 0 ? 'saves' : 'costs'}`} role="status" data-testid="difference">
        ${`${result.alternative.tariff} would have cost ${money(String(Math.abs(difference)), result.currency)} ${difference < 0 ? 'less' : 'more'} from ${localDate(zone, result.start)} to ${lastDay(localDate(zone, result.end))}.`}
      </p>
      ${missingNote(result.recorded)}
      <div class="grid two">
        <${Bill} id="current" title="Current" bill=${result.current} currency=${result.currency} />
        <${Bill} id="alternative" title="Alternative" bill=${result.alternative} currency=${result.currency} />
      </div>`}
  `;
}
