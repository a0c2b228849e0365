import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { refusedFields } from '../lib/validation.js';
import { Field, fieldId } from './Field.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').MeterDataUpload} Upload */

const FORMATS = [
  { value: 'greenbutton', label: 'Green Button (ESPI XML)' },
  { value: 'csv', label: 'CSV (timestamp,kWh or date + 24/48/96 columns)' },
];
const FILE_ID = fieldId('content');

/**
 * A utility's interval data (Green Button, CSV) imported as a meter of the household; the engine's
 * refusal names the element or line, shown at the file.
 */
export function MeterDataUpload() {
  const [format, setFormat] = useState(/** @type {Upload['format']} */ ('greenbutton'));
  const [meter, setMeter] = useState('');
  const [flow, setFlow] = useState(/** @type {'import'|'export'} */ ('import'));
  const [file, setFile] = useState(/** @type {File|null} */ (null));
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [result, setResult] = useState(/** @type {Answers['importMeterData']|null} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const send = async (event) => {
    event.preventDefault();
    if (!file) return;
    setBusy(true);
    setResult(null);
    try {
      /** @type {Upload} */
      const body = { format, content: await file.text() };
      if (format === 'csv') {
        body.flow = flow;
        if (meter.trim()) body.meter = meter.trim();
      }
      setResult(await /** @type {Promise<Answers['importMeterData']>} */ (api('api/v1/meter-data', { method: 'POST', body })));
      setErrors(new Map());
    } catch (err) {
      // The file's own errors (an element, a line) belong to the file's field; a named field to its own.
      const found = refusedFields(err) ?? [{ path: 'content', message: /** @type {Error} */ (err).message }];
      const known = new Set(['format', 'meter', 'flow']);
      /** @type {Map<string, string[]>} */
      const grouped = new Map();
      for (const { path, message } of found) {
        const target = known.has(path) ? path : 'content';
        grouped.set(target, [...(grouped.get(target) ?? []), target === path ? message : /** @type {Error} */ (err).message]);
      }
      setErrors(grouped);
      requestAnimationFrame(() => document.getElementById(fieldId([...grouped.keys()][0]))?.focus());
    } finally {
      setBusy(false);
    }
  };
  const fileErrors = errors.get('content');
  return html`<section class="card" aria-labelledby="meter-data-title">
    <h2 id="meter-data-title">Import meter data</h2>
    <p class="muted">Your utility's interval readings ("Download my data"), stored as a meter of the household and matched like any other.</p>
    <form onSubmit=${send} noValidate>
      <div class="fields">
        <${Field} path="format" label="Format" value=${format} options=${FORMATS} onInput=${(/** @type {string} */ value) => setFormat(/** @type {Upload['format']} */ (value))} messages=${errors.get('format')} />
        ${format === 'csv' && html`
          <${Field} path="meter" label="Meter name" hint="the utility's; empty: utility meter" value=${meter} onInput=${setMeter} messages=${errors.get('meter')} />
          <${Field} path="flow" label="Energy" value=${flow} options=${[{ value: 'import', label: 'from the grid' }, { value: 'export', label: 'to the grid' }]}
            onInput=${(/** @type {string} */ value) => setFlow(value === 'export' ? 'export' : 'import')} messages=${errors.get('flow')} />`}
      </div>
      <div class=${`field wide${fileErrors ? ' invalid' : ''}`}>
        <label for=${FILE_ID}>File</label>
        <input id=${FILE_ID} type="file" accept=".xml,.csv,application/xml,text/csv" aria-invalid=${fileErrors ? 'true' : undefined}
          aria-describedby=${fileErrors ? `${FILE_ID}-error` : undefined}
          onChange=${(/** @type {import('preact').TargetedEvent<HTMLInputElement>} */ event) => setFile(event.currentTarget.files?.[0] ?? null)} />
        ${fileErrors && html`<p class="field-error" id=${`${FILE_ID}-error`}>${fileErrors.join(' · ')}</p>`}
      </div>
      <button type="submit" disabled=${busy || !file}>Import</button>
    </form>
    ${result && html`<div role="status" data-testid="meter-data-result">
      <p>Imported ${result.meters.length} meter${result.meters.length === 1 ? '' : 's'} (${result.source}); ${result.summaries} billed period${result.summaries === 1 ? '' : 's'} new.</p>
      <ul>${result.meters.map((each) => html`<li key=${each.device_id}>${each.name}: ${each.stored} new of ${each.pieces} (${each.duplicates} already recorded, ${each.covered} recorded by another meter)</li>`)}</ul>
    </div>`}
  </section>`;
}
