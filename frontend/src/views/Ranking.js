import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Checks, Field, fieldId } from '../components/Field.js';
import { api } from '../lib/api.js';
import { billLines } from '../lib/bill.js';
import { money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { lastDay } from '../lib/series.js';
import { errorsByField, refusedFields } from '../lib/validation.js';
import { addDays, localDate, localMidnight } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').RankedBill} RankedBill */

const FIELDS = ['tariffs', 'start', 'end'];

/**
 * One ranked bill: its place, total, difference from the active tariff's, and what it is made of.
 * @param {{ bill: RankedBill, currency: string }} props
 */
function RankedRow({ bill, currency }) {
  const difference = Number(bill.difference);
  return html`<tr data-testid="ranked-bill" data-tariff=${bill.tariff} data-rank=${bill.rank}>
    <td class="num">${bill.rank}</td>
    <th scope="row">${bill.tariff}${bill.reference ? html` <span class="muted">(active)</span>` : ''}</th>
    <td class="num" data-testid="ranked-total">${money(bill.total, currency)}</td>
    <td class="num">${bill.reference ? '—' : `${difference > 0 ? '+' : ''}${money(bill.difference, currency)}`}</td>
    <td>
      <details>
        <summary>Components</summary>
        <table data-testid="ranked-lines"><tbody>
          ${billLines(bill).map((line) => html`<tr key=${line.label}><th scope="row">${line.label}</th><td class="num">${money(line.amount, currency)}</td></tr>`)}
        </tbody></table>
      </details>
    </td>
  </tr>`;
}

export function Ranking() {
  /** @type {import('../lib/hooks.js').Loaded<Answers['listTariffs']>} */
  const list = useApi('api/v1/tariffs');
  /** @type {import('../lib/hooks.js').Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary');
  const [chosen, setChosen] = useState(/** @type {string[]} */ ([]));
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [result, setResult] = useState(/** @type {Answers['rankTariffs']|null} */ (null));
  const [busy, setBusy] = useState(false);
  if (list.error) return html`<${ErrorNote} error=${list.error} what="the tariffs" />`;
  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the summary" />`;
  if (!list.data || !summary.data) return html`<${Loading} />`;
  const zone = summary.data.timezone;
  const active = list.data.active;
  const others = list.data.tariffs.map((tariff) => tariff.name).filter((name) => name !== active);
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const rank = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      /** @type {import('../lib/apiTypes.js').Requests['rankTariffs']} */
      const body = { tariffs: chosen };
      // Each date sent as given: the engine says which one is missing.
      if (start) body.start = localMidnight(start, zone);
      if (end) body.end = localMidnight(addDays(end, 1), zone); // "To" is the last day ranked
      setResult(await /** @type {Promise<Answers['rankTariffs']>} */ (api('api/v1/rank', { method: 'POST', body })));
      setErrors(new Map());
    } catch (err) {
      setResult(null);
      const grouped = errorsByField(refusedFields(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }], FIELDS);
      setErrors(grouped);
      const first = FIELDS.find((path) => grouped.has(path));
      requestAnimationFrame(() => (first ? document.getElementById(fieldId(first)) : null)?.focus());
    } finally {
      setBusy(false);
    }
  };
  return html`
    <h1 class="view-title">Rank tariffs</h1>
    ${!active ? html`<p class="empty">Activate a tariff first: the ranking prices your recorded usage on its billing cycles.</p>`
      : html`<form class="card" onSubmit=${rank} noValidate>
          <p class="muted">Your recorded usage priced under ${active} and the tariffs you choose, cheapest first.</p>
          <${Checks} path="tariffs" label="Tariffs to rank" options=${others} selected=${chosen} onChange=${setChosen} messages=${errors.get('tariffs')} />
          <div class="fields">
            <${Field} path="start" label="From" type="date" value=${start} onInput=${setStart} messages=${errors.get('start')} hint="both dates, or neither: the last full cycle" />
            <${Field} path="end" label="To" type="date" value=${end} onInput=${setEnd} messages=${errors.get('end')} />
          </div>
          ${errors.get('general') && html`<p class="error-note" role="alert">${errors.get('general')?.join(' · ')}</p>`}
          <button type="submit" class="primary" disabled=${busy}>Rank</button>
        </form>`}
    ${result && html`<section class="card wide table-scroll" aria-labelledby="ranking-title" tabindex="0">
      <h2 id="ranking-title" data-testid="ranking-range">${`${result.bills.length} bills from ${localDate(zone, result.start)} to ${lastDay(localDate(zone, result.end))}`}</h2>
      <table class="ranking">
        <thead><tr><th scope="col" class="num">Rank</th><th scope="col">Tariff</th><th scope="col" class="num">Total</th>
          <th scope="col" class="num">Than ${active}</th><th scope="col">What it is made of</th></tr></thead>
        <tbody>${result.bills.map((bill) => html`<${RankedRow} key=${bill.source} bill=${bill} currency=${result.currency} />`)}</tbody>
      </table>
    </section>`}
  `;
}
