import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Checkbox, Field, fieldId } from '../components/Field.js';
import { api } from '../lib/api.js';
import { money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { configOf, formOf } from '../lib/pluginForm.js';
import { errorsByField, refusedFields } from '../lib/validation.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').PluginInfo} PluginInfo */
/** @typedef {import('../lib/apiTypes.js').PluginField} PluginField */

// The statuses change as the plugins poll: read again while the view is open.
const REFRESH_MS = 5000;
const STATUS_TEXT = /** @type {Record<string, string>} */ ({
  starting: 'Starting',
  healthy: 'Healthy',
  degraded: 'Degraded: its last poll failed',
  failing: 'Failing: several polls in a row failed',
  stopped: 'Stopped',
  disabled: 'Disabled',
  unavailable: 'Unavailable: its plugin failed to install or load',
});

/** @param {string|null} instant */
const when = (instant) => (instant ? new Date(instant).toLocaleString() : 'never');

/**
 * The input of one option at PATH.
 * @param {{ field: PluginField, path: string, value: string, onInput: (value: string) => void, messages?: string[] }} props
 */
function OptionInput({ field, path, value, onInput, messages }) {
  const defaultText = field.default === null ? '' : Array.isArray(field.default) ? field.default.join(', ') : String(field.default);
  const label = `${field.key}${field.required ? ' (required)' : ''}`;
  if (field.kind === 'boolean') {
    const checked = value === '' ? field.default === true : value === 'true';
    return html`<${Checkbox} path=${path} label=${label} checked=${checked} onChange=${(/** @type {boolean} */ on) => onInput(String(on))} messages=${messages} />`;
  }
  if (field.kind === 'choice') {
    return html`<${Field} path=${path} label=${label} value=${value || defaultText} onInput=${onInput} messages=${messages}
      options=${field.choices} />`;
  }
  const hint = field.secret ? 'secret: not shown; empty keeps it'
    : field.kind === 'list' ? `comma-separated${field.choices.length ? ` (${field.choices.join(', ')})` : ''}${defaultText ? `; empty: ${defaultText}` : ''}`
    : defaultText ? `empty: ${defaultText}` : undefined;
  return html`<${Field} path=${path} label=${label} value=${value} onInput=${onInput} messages=${messages} hint=${hint}
    type=${field.secret ? 'password' : 'text'} inputMode=${field.kind === 'integer' || field.kind === 'number' ? 'decimal' : undefined} />`;
}

/**
 * One plugin instance: how it does, enable/disable, and its configuration.
 * @param {{ plugin: PluginInfo, onChanged: (plugin: PluginInfo, what: string) => void }} props
 */
function PluginCard({ plugin, onChanged }) {
  const [form, setForm] = useState(() => formOf(plugin));
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [busy, setBusy] = useState(false);
  const base = `${plugin.name}.config`;
  const paths = plugin.fields.map((field) => `${base}.${field.key}`);
  /** @type {(body: import('../lib/apiTypes.js').PluginChange, what: string) => Promise<void>} */
  const change = async (body, what) => {
    setBusy(true);
    try {
      /** @type {PluginInfo} */
      const changed = await api(`api/v1/plugins/${encodeURIComponent(plugin.name)}`, { method: 'PUT', body });
      setErrors(new Map());
      onChanged(changed, what);
    } catch (err) {
      const found = (refusedFields(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }])
        .map(({ path, message }) => ({ path: path ? `${plugin.name}.${path}` : '', message }));
      const grouped = errorsByField(found, paths);
      setErrors(grouped);
      const first = paths.find((path) => grouped.has(path));
      requestAnimationFrame(() => (first ? document.getElementById(fieldId(first)) : null)?.focus());
    } finally {
      setBusy(false);
    }
  };
  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const save = (event) => {
    event.preventDefault();
    change({ config: configOf(plugin.fields, form) }, `Saved ${plugin.name}: it restarts with its new configuration.`);
  };
  const titleId = `plugin-${plugin.name}`;
  // Its plugin failed to install or load: nothing runs to enable, and no schema to configure by.
  const unavailable = plugin.status === 'unavailable';
  const interval = plugin.poll_interval_seconds === null ? '' : `, every ${Math.round(plugin.poll_interval_seconds / 60)} min`;
  return html`<section class="card" aria-labelledby=${titleId} data-testid="plugin" data-name=${plugin.name} data-status=${plugin.status}>
    <h2 id=${titleId}>${plugin.name} <span class="muted">(${plugin.plugin}${plugin.version === null ? '' : ` ${plugin.version}`})</span></h2>
    <p data-testid="plugin-status" class=${plugin.status === 'healthy' ? '' : 'over'}>${STATUS_TEXT[plugin.status] ?? plugin.status}</p>
    <dl class="plugin-facts">
      ${!unavailable && html`<dt>Provides</dt><dd>${plugin.provides.join(', ')}</dd>`}
      <dt>Last poll</dt><dd>${when(plugin.last_success)} (${plugin.polls} polls${interval})</dd>
      <dt>Last failure</dt><dd>${when(plugin.last_failure)}${plugin.consecutive_failures ? ` (${plugin.consecutive_failures} in a row)` : ''}</dd>
      ${plugin.last_error && html`<dt>${unavailable ? 'Error' : 'Last error'}</dt><dd data-testid="plugin-error">${plugin.last_error}</dd>`}
      <dt>Restarts</dt><dd>${plugin.restarts}</dd>
      <dt>Records refused</dt><dd>${plugin.refused}${plugin.last_refusal ? `: ${plugin.last_refusal}` : ''}</dd>
      <dt>Requests</dt><dd data-testid="plugin-requests">${plugin.requests}, costing ${money(plugin.request_cost, plugin.request_currency)}</dd>
    </dl>
    ${!unavailable && html`<button type="button" disabled=${busy} aria-label=${`${plugin.enabled ? 'Disable' : 'Enable'} ${plugin.name}`}
      onClick=${() => change({ enabled: !plugin.enabled }, `${plugin.enabled ? 'Disabled' : 'Enabled'} ${plugin.name}.`)}>${plugin.enabled ? 'Disable' : 'Enable'}</button>
    <form onSubmit=${save} noValidate>
      <fieldset>
        <legend>Configuration</legend>
        <div class="fields">
          ${plugin.fields.map((field) => html`<${OptionInput} key=${field.key} field=${field} path=${`${base}.${field.key}`} value=${form[field.key] ?? ''}
            messages=${errors.get(`${base}.${field.key}`)} onInput=${(/** @type {string} */ value) => setForm((previous) => ({ ...previous, [field.key]: value }))} />`)}
        </div>
      </fieldset>
      ${errors.get('general') && html`<p class="error-note" role="alert">${errors.get('general')?.join(' · ')}</p>`}
      <button type="submit" class="primary" disabled=${busy}>Save ${plugin.name}'s configuration</button>
    </form>`}
    ${unavailable && html`<p class="muted">Install its package (the option plugin_packages) or correct the plugin's name in the option plugins, then restart the engine.</p>`}
  </section>`;
}

export function Plugins() {
  const [generation, setGeneration] = useState(0);
  const [notice, setNotice] = useState('');
  /** @type {import('../lib/hooks.js').Loaded<Answers['listPlugins']>} */
  const list = useApi('api/v1/plugins', generation);
  useEffect(() => {
    const timer = setInterval(() => setGeneration((value) => value + 1), REFRESH_MS);
    return () => clearInterval(timer);
  }, []);
  let body;
  if (list.error) body = html`<${ErrorNote} error=${list.error} what="the plugins" />`;
  else if (!list.data) body = html`<${Loading} />`;
  else if (list.data.plugins.length === 0) body = html`<p class="empty">No plugins are configured (the engine's option plugins).</p>`;
  else {
    body = html`<div class="grid two">${list.data.plugins.map((plugin) => html`<${PluginCard} key=${plugin.name} plugin=${plugin}
      onChanged=${(/** @type {PluginInfo} */ changed, /** @type {string} */ what) => { setNotice(what); setGeneration((value) => value + 1); }} />`)}</div>`;
  }
  return html`
    <h1 class="view-title">Plugins</h1>
    <p class="muted">The plugin instances the engine runs: how each is doing, what its requests cost, and its configuration (checked by the plugin's own schema).</p>
    <p role="status" data-testid="plugin-notice">${notice}</p>
    ${body}
  `;
}
