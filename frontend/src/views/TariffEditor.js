import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { BlockEditor, ItemFields, ListEditor } from '../components/DefinitionFields.js';
import { GroupErrors, fieldId } from '../components/Field.js';
import { HeatMap } from '../components/HeatMap.js';
import { RecomputeStatus } from '../components/Recompute.js';
import { YamlEditor } from '../components/YamlEditor.js';
import { api, query } from '../lib/api.js';
import { useApi } from '../lib/hooks.js';
import {
  COMMODITIES, PERIODS, SECTIONS, UNITS, byPeriods, defaultUnit, formPaths, newDefinition, newItem, offered, setIn, yamlOnly,
} from '../lib/tariffForm.js';
import { errorsAtLines, readYaml, toYaml } from '../lib/tariffYaml.js';
import { errorsByField, validationErrors } from '../lib/validation.js';
import { localDate } from '../lib/zone.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').Requests} Requests */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */
/** A line above the form: what an action did, or why it failed. @typedef {{ kind: 'ok'|'error', text: string }} Message */
/** An error with its place in the YAML. @typedef {{ path: string, line: number, column: number, message: string }} LineError */
/** An error the engine names by its path. @typedef {{ path: string, message: string }} EngineError */
/** @typedef {import('../lib/tariffForm.js').Definition} Definition */
/** @typedef {import('../components/DefinitionFields.js').FormProps} FormProps */
/** @typedef {(errors: EngineError[]|null, requestError: unknown) => void} ShowErrors */
/** @typedef {import('preact').TargetedEvent<HTMLInputElement>} InputEvent */

/** @param {{ list: Answers['listTariffs'], current: string|null }} props */
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

/** @param {{ name: string, zone: string }} props */
function Calendar({ name, zone }) {
  const [start, setStart] = useState(() => localDate(zone));
  /** @type {Loaded<Answers['getTariffCalendar']>} */
  const calendar = useApi(`api/v1/tariffs/${encodeURIComponent(name)}/calendar${query({ start, days: 7 })}`);
  return html`<section class="card wide" aria-labelledby="calendar">
    <h2 id="calendar">Price calendar</h2>
    <div class="toolbar">
      <label for="calendar-start">Week from</label>
      <input id="calendar-start" type="date" value=${start} onChange=${(/** @type {InputEvent} */ event) => event.currentTarget.value && setStart(event.currentTarget.value)} />
    </div>
    ${calendar.error ? html`<${ErrorNote} error=${calendar.error} what="the price calendar" />`
      : calendar.data ? html`<${HeatMap} calendar=${calendar.data} />` : html`<${Loading} />`}
  </section>`;
}

/**
 * @param {{ zone: string, onImported: (definition: Definition, unsupported: string[]) => void, onErrors: ShowErrors }} props
 */
function UrdbImport({ zone, onImported, onErrors }) {
  const [timezone, setTimezone] = useState(zone);
  const [busy, setBusy] = useState(false);
  /** @param {InputEvent} event */
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
      /** @type {Answers['validateTariff']} */
      const answer = await api('api/v1/tariffs/validate', { method: 'POST', body: /** @satisfies {Requests['validateTariff']} */ ({ urdb, timezone }) });
      onImported(answer.definition, answer.unsupported ?? []);
    } catch (err) {
      onErrors(validationErrors(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }], err);
    } finally {
      setBusy(false);
    }
  }
  return html`<fieldset class="urdb">
    <legend>Import from the Utility Rate Database (URDB JSON)</legend>
    <div class="field"><label for="urdb-timezone">Time zone of the rate</label>
      <input id="urdb-timezone" value=${timezone} onInput=${(/** @type {InputEvent} */ event) => setTimezone(event.currentTarget.value)} /></div>
    <div class="field"><label for="urdb-file">URDB file</label>
      <input id="urdb-file" type="file" accept="application/json,.json" disabled=${busy} onChange=${importFile} /></div>
  </fieldset>`;
}

/** @param {FormProps} props */
function EnergyPrice({ definition, set, errors }) {
  const periods = byPeriods(definition);
  const choose = (/** @type {string} */ mode) => {
    if ((mode === 'periods') === periods) return;
    const { price, periods: rules, ...energy } = definition.energy ?? {};
    if (mode === 'periods') set(['energy'], { ...energy, periods: [{ ...newItem(PERIODS.fields), price: price ?? '' }] });
    else set(['energy'], { ...energy, price: rules?.[0]?.price ?? '' });
  };
  return html`<fieldset>
    <legend>Energy price</legend>
    <${GroupErrors} path="energy" messages=${errors.get('energy')} />
    <div role="radiogroup" aria-label="Pricing" class="segmented">
      ${[['flat', 'One price'], ['periods', 'Time of use']].map(([mode, label]) => html`<label key=${mode} class="radio">
        <input type="radio" name="energy-mode" value=${mode} checked=${periods === (mode === 'periods')} onChange=${() => choose(mode)} /> ${label}</label>`)}
    </div>
    ${periods
      ? html`<${ListEditor} section=${PERIODS} definition=${definition} set=${set} errors=${errors} />`
      : html`<${ItemFields} fields=${[{ key: 'price', label: `Price per ${definition.unit ?? defaultUnit(definition)}`, kind: 'number', required: true }]} base=${['energy']}
          definition=${definition} set=${set} errors=${errors} />`}
  </fieldset>`;
}

/** @param {FormProps} props */
function DefinitionForm({ definition, set, errors }) {
  const others = yamlOnly(definition);
  return html`
    <div class="fields">
      <${ItemFields} fields=${topFields(definition)} base=${[]} definition=${definition} set=${set} errors=${errors} />
    </div>
    <${EnergyPrice} definition=${definition} set=${set} errors=${errors} />
    ${SECTIONS.filter((section) => offered(section, definition)).map((section) => (section.single
      ? html`<${BlockEditor} key=${section.item} section=${section} definition=${definition} set=${set} errors=${errors} />`
      : html`<${ListEditor} key=${section.item} section=${section} definition=${definition} set=${set} errors=${errors} />`))}
    <p class="muted" data-testid="yaml-only">${others.length > 0
      ? `Also in this tariff, edited as YAML: ${others.join(', ')}.`
      : 'Demand charges, export credit, holidays, tier rules, dynamic prices and carbon are edited as YAML.'}</p>
  `;
}

/**
 * The definition's own fields; its unit shown as the engine reads it where it has none.
 * @param {Definition} definition
 * @returns {import('../lib/tariffForm.js').InputField[]}
 */
function topFields(definition) {
  return [
    { key: 'name', label: 'Name', required: true },
    { key: 'commodity', label: 'Commodity', kind: 'select', options: COMMODITIES, default: 'electricity' },
    { key: 'unit', label: 'Prices per', kind: 'select', options: UNITS, default: defaultUnit(definition), hint: 'gas: kWh with a conversion below, or m³' },
    { key: 'currency', label: 'Currency', hint: 'ISO 4217, e.g. EUR', required: true },
    { key: 'timezone', label: 'Time zone', hint: 'e.g. Europe/Berlin', required: true },
    { key: 'cycle_day', label: 'Billing cycle starts on day', kind: 'number', hint: '1-31; empty: 1' },
  ];
}
const YAML_ID = fieldId('definition');

/**
 * @param {number} count
 * @param {string} word
 */
function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** @param {{ tariffName: string|null }} props */
export function TariffEditor({ tariffName }) {
  /** @type {Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary');
  /** @type {Loaded<Answers['listTariffs']>} */
  const list = useApi('api/v1/tariffs');
  /** @type {Loaded<Answers['getTariff']>} */
  const saved = useApi(tariffName ? `api/v1/tariffs/${encodeURIComponent(tariffName)}` : null);
  const zone = summary.data?.timezone ?? 'UTC';
  const [definition, setDefinition] = useState(/** @type {Object<string, *>|null} */ (null));
  const [yaml, setYaml] = useState(/** @type {string|null} */ (null)); // the YAML text while editing as YAML, else null
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map())); // the form's messages by field path
  const [lineErrors, setLineErrors] = useState(/** @type {LineError[]} */ ([])); // the YAML's errors with their lines
  const [message, setMessage] = useState(/** @type {Message|null} */ (null));
  const [unsupported, setUnsupported] = useState(/** @type {string[]} */ ([]));
  const [recompute, setRecompute] = useState(/** @type {Answers['getRecompute']|null} */ (null));
  const [busy, setBusy] = useState(false);

  // The tariff the definition is of (null: a new one): until the route's tariff has loaded, the
  // previous one's answer must not fill the form (saving would store it under the new name).
  const [loadedFor, setLoadedFor] = useState(/** @type {string|null|undefined} */ (undefined));

  // The version this editor has just saved: its reload brings back what the editor already shows,
  // so it must not close the YAML editor or drop edits begun since the save.
  const justSaved = useRef(/** @type {string|null} */ (null));

  useEffect(() => {
    if (!summary.data) return;
    if (tariffName && saved.data?.name !== tariffName) return;
    const versions = saved.data?.versions ?? [];
    const latest = versions[versions.length - 1];
    if (latest && justSaved.current === `${tariffName}:${latest.version}`) {
      justSaved.current = null;
      setLoadedFor(tariffName ?? null);
      return;
    }
    setDefinition(latest ? latest.definition : newDefinition(summary.data.timezone, summary.data.currency));
    setLoadedFor(tariffName ?? null);
    setYaml(null);
    setErrors(new Map());
    setLineErrors([]);
    setUnsupported([]);
  }, [tariffName, saved.data, summary.data]);

  /** @type {FormProps['set']} */
  const set = (parts, value) => setDefinition((current) => /** @type {Definition} */ (setIn(current, parts, value)));

  function clearErrors() {
    setErrors(new Map());
    setLineErrors([]);
  }

  /**
   * Show errors at their lines in the YAML of TEXT.
   * @param {string} text
   * @param {LineError[]} located
   * @param {string} why
   */
  function showAtLines(text, located, why) {
    setYaml(text);
    setErrors(new Map());
    setLineErrors(located);
    const lines = [...new Set(located.map((error) => error.line))];
    setMessage({ kind: 'error', text: `${why} ${plural(located.length, 'error')}; see line${lines.length === 1 ? '' : 's'} ${lines.join(', ')} of the YAML.` });
    requestAnimationFrame(() => document.getElementById('tariff-message')?.focus());
  }

  /**
   * Show the engine's errors: at their fields when the form has them all, else in the YAML.
   * @param {EngineError[]|null} engineErrors
   * @param {unknown} requestError
   */
  function showErrors(engineErrors, requestError) {
    if (!engineErrors) {
      clearErrors();
      setMessage({ kind: 'error', text: /** @type {Error} */ (requestError).message });
      return;
    }
    const paths = formPaths(/** @type {Object<string, *>} */ (definition)); // the form shows one
    if (yaml !== null || !engineErrors.every((error) => !error.path || paths.includes(error.path))) {
      const text = yaml ?? toYaml(definition);
      showAtLines(text, errorsAtLines(text, engineErrors), 'The tariff has');
      return;
    }
    setLineErrors([]);
    const grouped = errorsByField(engineErrors, paths);
    setErrors(grouped);
    setMessage({ kind: 'error', text: `The tariff has ${plural(engineErrors.length, 'error')}; see the marked fields.` });
    const first = [...grouped.keys()].find((path) => path !== 'general');
    // With only general errors (none at a field) the message takes the focus.
    requestAnimationFrame(() => ((first === undefined ? null : document.getElementById(fieldId(first))) ?? document.getElementById('tariff-message'))?.focus());
  }

  /**
   * A URDB rate's errors name its own fields, not the definition's: listed above the form.
   * @type {ShowErrors}
   */
  function showImportErrors(engineErrors, requestError) {
    if (!engineErrors) return showErrors(null, requestError);
    setLineErrors([]);
    setErrors(errorsByField(engineErrors, []));
    setMessage({ kind: 'error', text: `The URDB rate has ${plural(engineErrors.length, 'error')}:` });
    requestAnimationFrame(() => document.getElementById('tariff-message')?.focus());
  }

  /** The definition being edited, or null when its YAML does not parse (the errors shown). */
  function current() {
    if (yaml === null) return definition;
    const parsed = readYaml(yaml);
    if (parsed.errors.length > 0) {
      showAtLines(yaml, parsed.errors, 'The YAML has');
      return null;
    }
    return parsed.definition;
  }

  /** @param {(definition: Definition) => Promise<void>} action */
  async function run(action) {
    const body = current();
    if (body === null) return;
    setBusy(true);
    setMessage(null);
    try {
      await action(body);
    } catch (err) {
      showErrors(validationErrors(err), err);
    } finally {
      setBusy(false);
    }
  }

  const validate = () => run(async (body) => {
    /** @type {Answers['validateTariff']} */
    const answer = await api('api/v1/tariffs/validate', { method: 'POST', body: /** @satisfies {Requests['validateTariff']} */ ({ definition: body }) });
    clearErrors();
    setMessage({ kind: 'ok', text: 'The tariff is valid.' });
    setUnsupported(answer.unsupported ?? []);
  });

  const save = (/** @type {boolean} */ activate) => run(async (body) => {
    /** @type {Answers['saveTariff']} */
    const answer = await api('api/v1/tariffs', { method: 'POST', body: /** @satisfies {Requests['saveTariff']} */ ({ name: body?.name, definition: body, activate }) });
    clearErrors();
    setMessage({ kind: 'ok', text: `Saved ${answer.name} version ${answer.version}${answer.active ? ' (active)' : ''}.` });
    if (answer.recompute) setRecompute(answer.recompute);
    justSaved.current = `${answer.name}:${answer.version}`;
    list.reload();
    if (answer.name !== tariffName) location.hash = `#/tariffs/${encodeURIComponent(answer.name)}`;
    else saved.reload();
  });

  function toggleYaml() {
    if (yaml === null) {
      setYaml(toYaml(definition));
      setErrors(new Map());
      return;
    }
    const parsed = readYaml(yaml);
    if (parsed.errors.length > 0) return showAtLines(yaml, parsed.errors, 'The YAML has');
    if (!parsed.definition || typeof parsed.definition !== 'object' || Array.isArray(parsed.definition)) {
      return showAtLines(yaml, [{ path: '', line: 1, column: 1, message: 'a tariff is a mapping of fields (name: …, energy: …)' }], 'The YAML has');
    }
    setDefinition(parsed.definition);
    setYaml(null);
    clearErrors();
    setMessage(null);
  }

  async function activate() {
    setBusy(true);
    try {
      /** @type {Answers['activateTariff']} */
      // Offered for a saved tariff only: tariffName is set.
      const answer = await api(`api/v1/tariffs/${encodeURIComponent(/** @type {string} */ (tariffName))}/activate`, { method: 'POST' });
      setMessage({ kind: 'ok', text: `${answer.active} is now the active tariff.` });
      setRecompute(answer.recompute);
      list.reload();
    } catch (err) {
      setMessage({ kind: 'error', text: /** @type {Error} */ (err).message });
    } finally {
      setBusy(false);
    }
  }

  if (summary.error) return html`<${ErrorNote} error=${summary.error} what="the engine's settings" />`;
  if (list.error) return html`<${ErrorNote} error=${list.error} what="the tariffs" />`;
  if (saved.error) return html`<${ErrorNote} error=${saved.error} what=${`the tariff ${tariffName}`} />`;
  if (!definition || !list.data || loadedFor !== (tariffName ?? null)) return html`<${Loading} />`;
  const isActive = list.data.active === tariffName;
  const general = errors.get('general');
  return html`
    <h1 class="view-title">${tariffName ? `Tariff ${tariffName}` : 'New tariff'}</h1>
    <div class="editor-layout">
      <${TariffList} list=${list.data} current=${tariffName} />
      <form class="card editor" noValidate onSubmit=${(/** @type {SubmitEvent} */ event) => { event.preventDefault(); save(false); }} aria-labelledby="editor-title">
        <h2 id="editor-title">Definition</h2>
        <${UrdbImport} zone=${zone} onErrors=${showImportErrors} onImported=${(/** @type {Definition} */ imported, /** @type {string[]} */ missing) => {
          setDefinition(imported);
          setYaml(null);
          clearErrors();
          setUnsupported(missing);
          setMessage({ kind: 'ok', text: `Imported ${imported.name}. Check it, then save.` });
        }} />
        <div id="tariff-message" tabindex="-1" role=${message?.kind === 'error' ? 'alert' : 'status'} class=${`message ${message?.kind ?? ''}`}>
          ${message?.text}
          ${general && html`<ul>${general.map((line) => html`<li key=${line}>${line}</li>`)}</ul>`}
        </div>
        ${unsupported.length > 0 && html`<details class="unsupported" open><summary>Not imported (${unsupported.length})</summary>
          <ul>${unsupported.map((line) => html`<li key=${line}>${line}</li>`)}</ul></details>`}
        <div class="toolbar">
          <button type="button" aria-pressed=${yaml !== null} onClick=${toggleYaml}>Edit as YAML</button>
        </div>
        ${yaml !== null
          ? html`<${YamlEditor} id=${YAML_ID} text=${yaml} errors=${lineErrors} onInput=${setYaml} />`
          : html`<${DefinitionForm} definition=${definition} set=${set} errors=${errors} />`}
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
