import { html } from 'htm/preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Field, GroupErrors, fieldId } from '../components/Field.js';
import { HeatMap } from '../components/HeatMap.js';
import { RecomputeStatus } from '../components/Recompute.js';
import { api, query } from '../lib/api.js';
import { useApi } from '../lib/hooks.js';
import { DAY_TYPES, PER, emptyPeriod, fieldPaths, fromDefinition, newForm, toDefinition } from '../lib/tariffForm.js';
import { errorsByField, validationErrors } from '../lib/validation.js';
import { localDate } from '../lib/zone.js';

function TariffList({ list, current }) {
  return html`<nav class="card tariff-list" aria-labelledby="tariff-list">
    <h2 id="tariff-list">Tariffs</h2>
    <ul>
      ${list.tariffs.map((tariff) => html`<li key=${tariff.name}>
        <a href=${`#/tariffs/${encodeURIComponent(tariff.name)}`} aria-current=${tariff.name === current ? 'page' : undefined}>
          ${tariff.name}</a> <span class="muted">v${tariff.version}</span>
        ${tariff.active && html` <span class="badge">active</span>`}
      </li>`)}
    </ul>
    <a class="button" href="#/tariffs">New tariff</a>
  </nav>`;
}

function Calendar({ name, zone }) {
  const [start, setStart] = useState(() => localDate(zone));
  const calendar = useApi(`api/v1/tariffs/${encodeURIComponent(name)}/calendar${query({ start, days: 7 })}`);
  return html`<section class="card wide" aria-labelledby="calendar">
    <h2 id="calendar">Price calendar</h2>
    <div class="toolbar">
      <label for="calendar-start">Week from</label>
      <input id="calendar-start" type="date" value=${start} onChange=${(event) => event.currentTarget.value && setStart(event.currentTarget.value)} />
    </div>
    ${calendar.error ? html`<${ErrorNote} error=${calendar.error} what="the price calendar" />`
      : calendar.data ? html`<${HeatMap} calendar=${calendar.data} />` : html`<${Loading} />`}
  </section>`;
}

function Periods({ form, update, errors }) {
  const setPeriod = (index, key, value) =>
    update({ periods: form.periods.map((row, position) => (position === index ? { ...row, [key]: value } : row)) });
  return html`<fieldset class="periods-editor">
    <legend>Time-of-use periods (the first rule that matches an hour wins)</legend>
    <${GroupErrors} path="energy.periods" messages=${errors.get('energy.periods')} />
    ${form.periods.map((row, index) => {
      const base = `energy.periods[${index}]`;
      return html`<div class="period-row" key=${index} role="group" aria-label=${`Period ${index + 1}`}>
        <${Field} path=${`${base}.name`} label="Name" value=${row.name} onInput=${(v) => setPeriod(index, 'name', v)} messages=${errors.get(`${base}.name`)} />
        <${Field} path=${`${base}.months`} label="Months" hint="e.g. 6, 7, 8; empty: all" value=${row.months} onInput=${(v) => setPeriod(index, 'months', v)} messages=${errors.get(`${base}.months`)} />
        <${Field} path=${`${base}.days`} label="Days" options=${DAY_TYPES} value=${row.days} onInput=${(v) => setPeriod(index, 'days', v)} messages=${errors.get(`${base}.days`)} />
        <${Field} path=${`${base}.start`} label="From" hint="HH:MM" value=${row.start} onInput=${(v) => setPeriod(index, 'start', v)} messages=${errors.get(`${base}.start`)} />
        <${Field} path=${`${base}.end`} label="To" hint="HH:MM" value=${row.end} onInput=${(v) => setPeriod(index, 'end', v)} messages=${errors.get(`${base}.end`)} />
        ${row.tiers
          ? html`<p class="muted">Tiered (${row.tiers.length} tiers; edit as JSON)</p>`
          : html`<${Field} path=${`${base}.price`} label="Price per kWh" inputMode="decimal" value=${row.price} onInput=${(v) => setPeriod(index, 'price', v)} messages=${errors.get(`${base}.price`)} />`}
        <button type="button" class="link" aria-label=${`Remove period ${index + 1}`} disabled=${form.periods.length === 1}
          onClick=${() => update({ periods: form.periods.filter((_, position) => position !== index) })}>Remove</button>
        <${GroupErrors} path=${base} messages=${errors.get(base)} />
      </div>`;
    })}
    <button type="button" onClick=${() => update({ periods: [...form.periods, emptyPeriod()] })}>Add period</button>
  </fieldset>`;
}

function FixedCharges({ form, update, errors }) {
  const setCharge = (index, key, value) =>
    update({ fixed: form.fixed.map((row, position) => (position === index ? { ...row, [key]: value } : row)) });
  return html`<fieldset>
    <legend>Fixed charges</legend>
    <${GroupErrors} path="fixed" messages=${errors.get('fixed')} />
    ${form.fixed.map((row, index) => html`<div class="period-row" key=${index} role="group" aria-label=${`Fixed charge ${index + 1}`}>
      <${Field} path=${`fixed[${index}].name`} label="Name" value=${row.name} onInput=${(v) => setCharge(index, 'name', v)} messages=${errors.get(`fixed[${index}].name`)} />
      <${Field} path=${`fixed[${index}].amount`} label="Amount" inputMode="decimal" value=${row.amount} onInput=${(v) => setCharge(index, 'amount', v)} messages=${errors.get(`fixed[${index}].amount`)} />
      <${Field} path=${`fixed[${index}].per`} label="Per" options=${PER} value=${row.per} onInput=${(v) => setCharge(index, 'per', v)} messages=${errors.get(`fixed[${index}].per`)} />
      <button type="button" class="link" aria-label=${`Remove fixed charge ${index + 1}`}
        onClick=${() => update({ fixed: form.fixed.filter((_, position) => position !== index) })}>Remove</button>
    </div>`)}
    <button type="button" onClick=${() => update({ fixed: [...form.fixed, { name: '', amount: '', per: 'cycle' }] })}>Add fixed charge</button>
  </fieldset>`;
}

function UrdbImport({ zone, onImported, onErrors }) {
  const [timezone, setTimezone] = useState(zone);
  const [busy, setBusy] = useState(false);
  async function importFile(event) {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = '';
    if (!file) return;
    setBusy(true);
    try {
      let urdb;
      try {
        urdb = JSON.parse(await file.text());
      } catch {
        onErrors([{ path: '', message: `${file.name} is not JSON` }], null);
        return;
      }
      const answer = await api('api/v1/tariffs/validate', { method: 'POST', body: { urdb, timezone } });
      onImported(answer.definition, answer.unsupported ?? []);
    } catch (err) {
      onErrors(validationErrors(err) ?? [{ path: '', message: err.message }], err);
    } finally {
      setBusy(false);
    }
  }
  return html`<fieldset class="urdb">
    <legend>Import from the Utility Rate Database (URDB JSON)</legend>
    <div class="field"><label for="urdb-timezone">Time zone of the rate</label>
      <input id="urdb-timezone" value=${timezone} onInput=${(event) => setTimezone(event.currentTarget.value)} /></div>
    <div class="field"><label for="urdb-file">URDB file</label>
      <input id="urdb-file" type="file" accept="application/json,.json" disabled=${busy} onChange=${importFile} /></div>
  </fieldset>`;
}

export function TariffEditor({ tariffName }) {
  const summary = useApi('api/v1/summary');
  const list = useApi('api/v1/tariffs');
  const saved = useApi(tariffName ? `api/v1/tariffs/${encodeURIComponent(tariffName)}` : null);
  const zone = summary.data?.timezone ?? 'UTC';
  const [form, setForm] = useState(null);
  const [errors, setErrors] = useState(new Map());
  const [message, setMessage] = useState(null);
  const [unsupported, setUnsupported] = useState([]);
  const [recompute, setRecompute] = useState(null);
  const [busy, setBusy] = useState(false);
  const [jsonText, setJsonText] = useState(null);

  useEffect(() => {
    if (!summary.data) return;
    if (tariffName && !saved.data) return;
    const versions = saved.data?.versions ?? [];
    const latest = versions[versions.length - 1];
    setForm(latest ? fromDefinition(latest.definition) : newForm(summary.data.timezone, summary.data.currency));
    setErrors(new Map());
    setUnsupported([]);
    setJsonText(null);
  }, [tariffName, saved.data, summary.data]);

  const paths = useMemo(() => (form ? [...fieldPaths(form), 'definition'] : []), [form]);

  function update(change) {
    setForm({ ...form, ...change });
  }

  function showErrors(list422, requestError) {
    if (!list422) {
      setErrors(new Map());
      setMessage({ kind: 'error', text: requestError.message });
      return;
    }
    const grouped = errorsByField(list422, jsonText === null ? paths : ['definition']);
    setErrors(grouped);
    setMessage({ kind: 'error', text: `The tariff has ${list422.length} error${list422.length === 1 ? '' : 's'}; see the marked fields.` });
    const first = [...grouped.keys()].find((path) => path !== 'general');
    requestAnimationFrame(() => {
      const target = first && document.getElementById(fieldId(first === 'definition' ? 'definition' : first));
      (target ?? document.getElementById('tariff-message'))?.focus();
    });
  }

  function definition() {
    if (jsonText === null) return toDefinition(form);
    return JSON.parse(jsonText);
  }

  async function run(action) {
    setBusy(true);
    setMessage(null);
    try {
      await action(definition());
    } catch (err) {
      if (err instanceof SyntaxError) showErrors([{ path: 'definition', message: `not valid JSON: ${err.message}` }], err);
      else showErrors(validationErrors(err), err);
    } finally {
      setBusy(false);
    }
  }

  const validate = () => run(async (body) => {
    const answer = await api('api/v1/tariffs/validate', { method: 'POST', body: { definition: body } });
    setErrors(new Map());
    setMessage({ kind: 'ok', text: 'The tariff is valid.' });
    setUnsupported(answer.unsupported ?? []);
  });

  const save = (activate) => run(async (body) => {
    const answer = await api('api/v1/tariffs', { method: 'POST', body: { name: body.name, definition: body, activate } });
    setErrors(new Map());
    setMessage({ kind: 'ok', text: `Saved ${answer.name} version ${answer.version}${answer.active ? ' (active)' : ''}.` });
    if (answer.recompute) setRecompute(answer.recompute);
    list.reload();
    if (answer.name !== tariffName) location.hash = `#/tariffs/${encodeURIComponent(answer.name)}`;
    else saved.reload();
  });

  async function activate() {
    setBusy(true);
    try {
      const answer = await api(`api/v1/tariffs/${encodeURIComponent(tariffName)}/activate`, { method: 'POST' });
      setMessage({ kind: 'ok', text: `${answer.active} is now the active tariff.` });
      setRecompute(answer.recompute);
      list.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: err.message });
    } finally {
      setBusy(false);
    }
  }

  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the engine's settings" />`;
  if (list.error) return html`<${ErrorNote} error=${list.error} what="the tariffs" />`;
  if (saved.error) return html`<${ErrorNote} error=${saved.error} what=${`the tariff ${tariffName}`} />`;
  if (!form || !list.data) return html`<${Loading} />`;
  const isActive = list.data.active === tariffName;
  const general = errors.get('general');
  return html`
    <h1 class="view-title">${tariffName ? `Tariff ${tariffName}` : 'New tariff'}</h1>
    <div class="editor-layout">
      <${TariffList} list=${list.data} current=${tariffName} />
      <form class="card editor" noValidate onSubmit=${(event) => { event.preventDefault(); save(false); }} aria-labelledby="editor-title">
        <h2 id="editor-title">Definition</h2>
        <${UrdbImport} zone=${zone} onErrors=${showErrors} onImported=${(imported, missing) => {
          setForm(fromDefinition(imported));
          setJsonText(null);
          setErrors(new Map());
          setUnsupported(missing);
          setMessage({ kind: 'ok', text: `Imported ${imported.name}. Check it, then save.` });
        }} />
        <div id="tariff-message" tabindex="-1" role=${message?.kind === 'error' ? 'alert' : 'status'} class=${`message ${message?.kind ?? ''}`}>
          ${message?.text}
          ${general && html`<ul>${general.map((text) => html`<li key=${text}>${text}</li>`)}</ul>`}
        </div>
        ${unsupported.length > 0 && html`<details class="unsupported" open><summary>Not imported (${unsupported.length})</summary>
          <ul>${unsupported.map((text) => html`<li key=${text}>${text}</li>`)}</ul></details>`}
        <div class="toolbar">
          <button type="button" aria-pressed=${jsonText !== null} onClick=${() => {
            if (jsonText === null) setJsonText(JSON.stringify(toDefinition(form), null, 2));
            else {
              try {
                setForm(fromDefinition(JSON.parse(jsonText)));
                setJsonText(null);
              } catch (err) {
                showErrors([{ path: 'definition', message: `not valid JSON: ${err.message}` }], err);
              }
            }
          }}>Edit as JSON</button>
        </div>
        ${jsonText !== null
          ? html`<div class=${`field wide${errors.get('definition') ? ' invalid' : ''}`}>
              <label for=${fieldId('definition')}>Definition (JSON)</label>
              <textarea id=${fieldId('definition')} rows="18" spellcheck="false" value=${jsonText}
                aria-invalid=${errors.get('definition') ? 'true' : undefined} aria-describedby=${errors.get('definition') ? `${fieldId('definition')}-error` : undefined}
                onInput=${(event) => setJsonText(event.currentTarget.value)}></textarea>
              <${GroupErrors} path="definition" messages=${errors.get('definition')} />
            </div>`
          : html`
            <div class="fields">
              <${Field} path="name" label="Name" value=${form.name} onInput=${(v) => update({ name: v })} messages=${errors.get('name')} />
              <${Field} path="currency" label="Currency" hint="ISO 4217, e.g. EUR" value=${form.currency} onInput=${(v) => update({ currency: v })} messages=${errors.get('currency')} />
              <${Field} path="timezone" label="Time zone" hint="e.g. Europe/Berlin" value=${form.timezone} onInput=${(v) => update({ timezone: v })} messages=${errors.get('timezone')} />
              <${Field} path="cycle_day" label="Billing cycle starts on day" inputMode="numeric" value=${form.cycle_day} onInput=${(v) => update({ cycle_day: v })} messages=${errors.get('cycle_day')} />
            </div>
            <fieldset>
              <legend>Energy price</legend>
              <${GroupErrors} path="energy" messages=${errors.get('energy')} />
              <div role="radiogroup" aria-label="Pricing" class="segmented">
                ${[['flat', 'One price'], ['periods', 'Time of use']].map(([mode, text]) => html`<label key=${mode} class="radio">
                  <input type="radio" name="energy-mode" value=${mode} checked=${form.energyMode === mode} onChange=${() => update({ energyMode: mode })} /> ${text}</label>`)}
              </div>
              ${form.energyMode === 'flat'
                ? html`<${Field} path="energy.price" label="Price per kWh" inputMode="decimal" value=${form.price} onInput=${(v) => update({ price: v })} messages=${errors.get('energy.price')} />`
                : html`<${Periods} form=${form} update=${update} errors=${errors} />`}
            </fieldset>
            <${FixedCharges} form=${form} update=${update} errors=${errors} />
            ${Object.keys(form.extra).length + Object.keys(form.energyExtra).length > 0 &&
              html`<p class="muted">Also kept: ${[...Object.keys(form.extra), ...Object.keys(form.energyExtra).map((k) => `energy.${k}`)].join(', ')} (edit as JSON).</p>`}
          `}
        <div class="actions">
          <button type="button" onClick=${validate} disabled=${busy}>Validate</button>
          <button type="submit" class="primary" disabled=${busy}>Save</button>
          <button type="button" onClick=${() => save(true)} disabled=${busy}>Save and activate</button>
          ${tariffName && !isActive && html`<button type="button" onClick=${activate} disabled=${busy}>Activate ${tariffName}</button>`}
        </div>
        <${RecomputeStatus} start=${recompute} />
      </form>
    </div>
    ${tariffName && html`<${Calendar} name=${tariffName} zone=${zone} />`}
  `;
}
