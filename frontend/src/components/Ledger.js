import { html } from 'htm/preact';
import { day, money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { ledgerRows } from '../lib/ledger.js';
import { ErrorNote, Loading } from './Common.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').LedgerPart} LedgerPart */

/** @type {Record<LedgerPart['commodity'], string>} */
const NAMES = { electricity: 'Electricity', gas: 'Gas', water: 'Water', cloud: 'Cloud' };

/**
 * What a part is priced by, and how much it used today (gas and water).
 * @param {LedgerPart} part
 */
function partDetail(part) {
  if (part.commodity === 'cloud') return 'the accounts’ bills';
  if (part.tariff === null) return 'no active tariff: not priced';
  const usage = part.usage_today === null ? '' : ` · ${Number(part.usage_today).toLocaleString(undefined, { maximumFractionDigits: 3 })} ${part.unit} today`;
  return `${part.tariff}${usage}`;
}

/**
 * A grid connection's row: its tariff, and its own cycle's first day.
 * @param {import('../lib/ledger.js').LedgerRow} row
 */
function connectionDetail(row) {
  const tariff = row.tariff ?? 'no tariff: not priced';
  const cycle = row.cycle_start === null ? '' : ` · cycle from ${day(row.cycle_start)}`;
  return `${tariff}${cycle}`;
}

/**
 * The household's spend by commodity: the engine's ledger, its total the exact sum of the parts.
 * @param {{ refresh: number }} props
 */
export function Ledger({ refresh }) {
  /** @type {import('../lib/hooks.js').Loaded<Answers['getLedger']>} */
  const ledger = useApi('api/v1/ledger', refresh);
  let body;
  if (ledger.error) body = html`<${ErrorNote} error=${ledger.error} what="the ledger" />`;
  else if (!ledger.data) body = html`<${Loading} />`;
  else {
    const { currency, parts, total } = ledger.data;
    body = html`<table class="ledger">
      <thead><tr>
        <th scope="col">Commodity</th><th scope="col" class="num">Today</th><th scope="col" class="num">This month</th>
        <th scope="col" class="num">Cycle so far</th><th scope="col" class="num">Projected</th>
      </tr></thead>
      <tbody>
        ${ledgerRows(parts).map((row) => {
          const part = parts.find((each) => each.commodity === row.commodity);
          const isPart = row.key === row.commodity;
          const head = isPart && part
            ? html`${NAMES[row.commodity]}<small class="detail">${partDetail(part)}</small>`
            : html`${row.connection === null ? 'Meters on the active tariff' : 'Grid connection on its own tariff'}<small class="detail">${connectionDetail(row)}</small>`;
          return html`<tr key=${row.key} class=${isPart ? undefined : 'connection-row'}
              data-testid=${isPart ? 'ledger-part' : 'ledger-connection'} data-commodity=${row.commodity}
              data-connection=${isPart ? undefined : row.connection ?? ''}>
            <th scope="row">${head}</th>
            <td class="num">${money(row.today, currency)}</td>
            <td class="num">${money(row.month, currency)}</td>
            <td class="num">${money(row.cycle_so_far, currency)}</td>
            <td class="num">${money(row.projected, currency)}</td>
          </tr>`;
        })}
      </tbody>
      <tfoot><tr data-testid="ledger-total">
        <th scope="row">Total</th>
        <td class="num">${money(total.today, currency)}</td>
        <td class="num">${money(total.month, currency)}</td>
        <td class="num">${money(total.cycle_so_far, currency)}</td>
        <td></td>
      </tr></tfoot>
    </table>`;
  }
  // Scrolls sideways on a phone: focusable, so a keyboard scrolls it too.
  return html`<section class="card wide table-scroll" aria-labelledby="ledger" tabindex="0">
    <h2 id="ledger">Household spend by commodity</h2>
    ${body}
  </section>`;
}
