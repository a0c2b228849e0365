import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Field, fieldId } from '../components/Field.js';
import { MeterDataUpload } from '../components/MeterDataUpload.js';
import { RecomputeStatus } from '../components/Recompute.js';
import { api } from '../lib/api.js';
import { money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { lastDay } from '../lib/series.js';
import { LINE_KINDS, emptyLine, emptyStatement, statementBody, statementPaths } from '../lib/statementForm.js';
import { errorsByField, refusedFields } from '../lib/validation.js';
import { localMidnight } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').StatementMatch} StatementMatch */
/** @typedef {import('../lib/statementForm.js').StatementForm} StatementForm */
/** @typedef {import('../lib/statementForm.js').LineForm} LineForm */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

/** @type {(labels: Record<string, string>) => Array<{ value: string, label: string }>} */
const choices = (labels) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/**
 * Show a refused request's messages at their fields (PATHS), focus the first; the rest in general.
 * @param {unknown} err
 * @param {string[]} paths
 */
function refusal(err, paths) {
  const grouped = errorsByField(refusedFields(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }], paths);
  const first = paths.find((path) => grouped.has(path));
  requestAnimationFrame(() => (first ? document.getElementById(fieldId(first)) : null)?.focus());
  return grouped;
}

/** @param {{ messages?: string[], id: string }} props */
function GeneralError({ messages, id }) {
  return messages ? html`<p class="error-note" role="alert" id=${id} tabindex="-1">${messages.join(' · ')}</p>` : null;
}

/**
 * One statement beside the engine's bill: the totals, each line's residual, what may explain it.
 * @param {{ statement: StatementMatch }} props
 */
function StatementItem({ statement }) {
  const currency = statement.currency;
  const title = `${statement.start} – ${lastDay(statement.end)}`;
  return html`<li class="statement" data-testid="statement" data-id=${statement.id} data-over=${String(statement.over_threshold)}>
    <h3>${title} <span class="muted">(${statement.tariff}, ${statement.source})</span></h3>
    <p class="detail">Statement ${money(statement.total, currency)} · engine ${money(statement.engine_total, currency)} ·
      <strong data-testid="statement-residual">residual ${money(statement.residual, currency)}</strong>
      ${statement.over_threshold ? html` <span class="over">above the threshold</span>` : ''}</p>
    ${statement.error && html`<p class="error-note" data-testid="statement-error">The engine cannot bill this cycle: ${statement.error}</p>`}
    ${statement.lines.length > 0 && html`<div class="table-scroll" tabindex="0" role="region" aria-label=${`Lines of ${title}`}><table class="statement-lines">
      <thead><tr><th scope="col">Line</th><th scope="col" class="num">Statement</th><th scope="col" class="num">Engine</th><th scope="col" class="num">Residual</th></tr></thead>
      <tbody>${statement.lines.map((line, index) => html`<tr key=${index} data-testid="statement-line">
        <th scope="row">${line.name} <span class="muted">(${LINE_KINDS[line.kind]})</span></th>
        <td class="num">${money(line.statement, currency)}</td>
        <td class="num">${money(line.engine, currency)}</td>
        <td class="num">${money(line.residual, currency)}</td>
      </tr>`)}</tbody>
    </table></div>`}
    ${statement.findings.length > 0 && html`<ul class="findings">${statement.findings.map((finding) => html`<li key=${finding.cause}>${finding.detail}</li>`)}</ul>`}
  </li>`;
}

/**
 * The form recording a statement with its lines.
 * @param {{ tariffs: string[], onSaved: (statement: StatementMatch) => void }} props
 */
function RecordStatement({ tariffs, onSaved }) {
  const [form, setForm] = useState(emptyStatement);
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [busy, setBusy] = useState(false);
  /** @type {(key: 'start'|'end'|'total'|'tariff') => (value: string) => void} */
  const set = (key) => (value) => setForm((previous) => ({ ...previous, [key]: value }));
  /** @type {(index: number, key: keyof LineForm) => (value: string) => void} */
  const setLine = (index, key) => (value) => setForm((previous) => ({
    ...previous, lines: previous.lines.map((line, position) => (position === index ? { ...line, [key]: value } : line)),
  }));
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const save = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      /** @type {StatementMatch} */
      const saved = await api('api/v1/statements', { method: 'POST', body: statementBody(form) });
      setErrors(new Map());
      setForm(emptyStatement());
      onSaved(saved);
    } catch (err) {
      setErrors(refusal(err, statementPaths(form)));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="record-title">
    <h2 id="record-title">Record a statement</h2>
    <form onSubmit=${save} noValidate>
      <div class="fields">
        <${Field} path="start" label="First day" type="date" value=${form.start} onInput=${set('start')} messages=${errors.get('start')} />
        <${Field} path="end" label="Day after the last" type="date" value=${form.end} onInput=${set('end')} messages=${errors.get('end')} />
        <${Field} path="total" label="Total" inputMode="decimal" value=${form.total} onInput=${set('total')} messages=${errors.get('total')} />
        <${Field} path="tariff" label="Billed under" value=${form.tariff} onInput=${set('tariff')} messages=${errors.get('tariff')}
          options=${[{ value: '', label: 'the active tariff' }, ...tariffs]} />
      </div>
      <fieldset>
        <legend>Lines, as the bill shows them (a credit is negative)</legend>
        ${form.lines.map((line, index) => html`<div class="period-row" key=${index} role="group" aria-label=${`Line ${index + 1}`}>
          <${Field} path=${`lines[${index}].kind`} label="Kind" value=${line.kind} options=${choices(LINE_KINDS)} onInput=${setLine(index, 'kind')} messages=${errors.get(`lines[${index}].kind`)} />
          <${Field} path=${`lines[${index}].name`} label="Name" value=${line.name} onInput=${setLine(index, 'name')} messages=${errors.get(`lines[${index}].name`)} />
          <${Field} path=${`lines[${index}].amount`} label="Amount" inputMode="decimal" value=${line.amount} onInput=${setLine(index, 'amount')} messages=${errors.get(`lines[${index}].amount`)} />
          ${line.kind === 'energy' && html`
            <${Field} path=${`lines[${index}].period`} label="Period" hint="the tariff's; empty: all" value=${line.period} onInput=${setLine(index, 'period')} messages=${errors.get(`lines[${index}].period`)} />
            <${Field} path=${`lines[${index}].tier`} label="Tier" hint="1, 2, …; empty: all" inputMode="numeric" value=${line.tier} onInput=${setLine(index, 'tier')} messages=${errors.get(`lines[${index}].tier`)} />
            <${Field} path=${`lines[${index}].kwh`} label="kWh" inputMode="decimal" value=${line.kwh} onInput=${setLine(index, 'kwh')} messages=${errors.get(`lines[${index}].kwh`)} />`}
          <button type="button" class="link" aria-label=${`Remove line ${index + 1}`}
            onClick=${() => setForm((previous) => ({ ...previous, lines: previous.lines.filter((_, position) => position !== index) }))}>Remove</button>
          ${errors.get(`lines[${index}]`) && html`<p class="field-error">${errors.get(`lines[${index}]`)?.join(' · ')}</p>`}
        </div>`)}
        <button type="button" onClick=${() => setForm((previous) => ({ ...previous, lines: [...previous.lines, emptyLine()] }))}>Add line</button>
      </fieldset>
      <${GeneralError} messages=${errors.get('general') ?? errors.get('lines')} id="statement-message" />
      <button type="submit" class="primary" disabled=${busy}>Record statement</button>
    </form>
  </section>`;
}

/**
 * Statements from a CSV text (a file or pasted): all or none, an error names its line.
 * @param {{ onSaved: (count: number) => void }} props
 */
function ImportStatements({ onSaved }) {
  const [csv, setCsv] = useState('');
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [busy, setBusy] = useState(false);
  /** @param {import('preact').TargetedEvent<HTMLInputElement>} event */
  const readFile = async (event) => {
    const file = event.currentTarget.files?.[0];
    if (file) setCsv(await file.text());
  };
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const send = async (event) => {
    event.preventDefault();
    setBusy(true);
    try {
      /** @type {Answers['importStatements']} */
      const saved = await api('api/v1/statements/import', { method: 'POST', body: { csv } });
      setErrors(new Map());
      setCsv('');
      onSaved(saved.statements.length);
    } catch (err) {
      setErrors(refusal(err, ['csv', 'tariff']));
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="import-title">
    <h2 id="import-title">Import statements (CSV)</h2>
    <form onSubmit=${send} noValidate>
      <div class="field"><label for="statements-file">CSV file</label>
        <input id="statements-file" type="file" accept="text/csv,.csv" onChange=${readFile} /></div>
      <div class=${`field wide${errors.has('csv') ? ' invalid' : ''}`}>
        <label for=${fieldId('csv')}>CSV</label>
        <textarea id=${fieldId('csv')} rows="6" value=${csv} aria-describedby=${`${fieldId('csv')}-hint${errors.has('csv') ? ` ${fieldId('csv')}-error` : ''}`}
          aria-invalid=${errors.has('csv') ? 'true' : undefined}
          onInput=${(/** @type {import('preact').TargetedEvent<HTMLTextAreaElement>} */ event) => setCsv(event.currentTarget.value)}></textarea>
        <small class="hint" id=${`${fieldId('csv')}-hint`}>start,end,kind,name,amount,period,tier,kwh: a total row per cycle, a row per line</small>
        ${errors.has('csv') && html`<p class="field-error" id=${`${fieldId('csv')}-error`}>${errors.get('csv')?.join(' · ')}</p>`}
      </div>
      <${GeneralError} messages=${errors.get('general')} id="import-message" />
      <button type="submit" disabled=${busy || !csv}>Import</button>
    </form>
  </section>`;
}

/**
 * The tariff version that would explain the statements' residuals: shown, applied only on the button.
 * @param {{ refresh: number, onApplied: () => void }} props
 */
function Calibration({ refresh, onApplied }) {
  /** @type {Loaded<Answers['calibrateTariff']>} */
  const proposal = useApi('api/v1/statements/calibration', refresh);
  const [applied, setApplied] = useState(/** @type {Answers['saveTariff']|null} */ (null));
  const [error, setError] = useState(/** @type {Error|null} */ (null));
  let body;
  if (proposal.error) {
    const status = /** @type {{ status?: number }} */ (proposal.error).status;
    body = status === 409 || status === 404
      ? html`<p class="empty" data-testid="calibration-none">No proposal: ${proposal.error.message}</p>`
      : html`<${ErrorNote} error=${proposal.error} what="the calibration" />`;
  } else if (!proposal.data) body = html`<${Loading} />`;
  else {
    const found = proposal.data;
    const per = found.basis === 'per_kwh' ? 'per kWh' : 'per day';
    const apply = async () => {
      setError(null);
      try {
        // In force from the first statement fitted, so that the statements are billed under it.
        const first = found.statements.find((left) => left.fitted) ?? found.statements[0];
        /** @type {import('../lib/apiTypes.js').Requests['saveTariff']} */
        const body = { name: found.tariff, definition: found.definition };
        if (first) body.valid_from = localMidnight(first.start, String(found.definition.timezone));
        setApplied(await /** @type {Promise<Answers['saveTariff']>} */ (api('api/v1/tariffs', { method: 'POST', body })));
        onApplied();
      } catch (err) {
        setError(/** @type {Error} */ (err));
      }
    };
    body = html`
      <p data-testid="calibration">${found.tariff} (version ${found.based_on_version}) with <strong>${found.name}</strong> of
        <strong data-testid="calibration-amount">${found.amount}</strong> ${per}
        ${found.explains ? ' leaves every fitted statement within the threshold.' : ' would not explain every statement.'}</p>
      <div class="table-scroll" tabindex="0" role="region" aria-label="Residuals under the proposal"><table>
        <thead><tr><th scope="col">Statement</th><th scope="col" class="num">Residual now</th><th scope="col" class="num">With the change</th></tr></thead>
        <tbody>${found.statements.map((left) => html`<tr key=${left.id} data-testid="calibrated">
          <th scope="row">${left.start} – ${lastDay(left.end)}${left.fitted ? '' : ' (not fully recorded: not fitted)'}</th>
          <td class="num">${left.residual}</td><td class="num" data-testid="residual-after">${left.residual_after}</td>
        </tr>`)}</tbody>
      </table></div>
      ${applied
        ? html`<p role="status" data-testid="calibration-applied">Saved ${applied.name} version ${applied.version}.</p>
            ${applied.recompute && html`<${RecomputeStatus} start=${applied.recompute} />`}`
        : html`<button type="button" class="primary" onClick=${apply}>Apply as new version of ${found.tariff}</button>`}
      ${error && html`<p class="error-note" role="alert">Could not save it: ${error.message}</p>`}`;
  }
  return html`<section class="card" aria-labelledby="calibration-title">
    <h2 id="calibration-title">Calibration</h2>
    <p class="muted">A constant amount per kWh or per day that would explain the residuals, as a new tariff version from the first
      statement on: nothing changes until you apply it.</p>
    ${body}
  </section>`;
}

export function Statements() {
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState('');
  /** @type {Loaded<Answers['listStatements']>} */
  const list = useApi('api/v1/statements', generation);
  /** @type {Loaded<Answers['listTariffs']>} */
  const tariffs = useApi('api/v1/tariffs');
  const changed = (/** @type {string} */ text) => {
    setNotice(text);
    setGeneration((value) => value + 1);
  };
  let statements;
  if (list.error) statements = html`<${ErrorNote} error=${list.error} what="the statements" />`;
  else if (!list.data) statements = html`<${Loading} />`;
  else if (list.data.statements.length === 0) statements = html`<p class="empty">No statements yet: record one below, or import them.</p>`;
  else statements = html`<ul class="statements">${list.data.statements.map((statement) => html`<${StatementItem} key=${statement.id} statement=${statement} />`)}</ul>`;
  return html`
    <h1 class="view-title">Statements</h1>
    <p class="muted">Your paper bills beside the engine's bill for the same days, line by line${list.data ? ` (flagged above ${list.data.threshold})` : ''}.</p>
    <p role="status" data-testid="statement-notice">${notice}</p>
    <section class="card wide" aria-labelledby="statements-title">
      <h2 id="statements-title">Recorded statements</h2>
      ${statements}
    </section>
    <div class="grid two">
      <${RecordStatement} tariffs=${(tariffs.data?.tariffs ?? []).map((tariff) => tariff.name)}
        onSaved=${(/** @type {StatementMatch} */ saved) => changed(`Recorded the statement of ${saved.start}: residual ${money(saved.residual, saved.currency)}.`)} />
      <${Calibration} refresh=${generation} onApplied=${() => changed('Saved the calibrated tariff version.')} />
      <${ImportStatements} onSaved=${(/** @type {number} */ count) => changed(`Imported ${count} statement${count === 1 ? '' : 's'}.`)} />
      <${MeterDataUpload} />
    </div>
  `;
}
