import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading } from '../components/Common.js';
import { Field, GroupErrors, fieldId } from '../components/Field.js';
import { api } from '../lib/api.js';
import { useApi } from '../lib/hooks.js';
import { RETENTION, bodyOf, emptyInstance, fieldPaths, formOf, restartLabels } from '../lib/settingsForm.js';
import { useFieldForm } from '../lib/fieldForm.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').Settings} Settings */
/** @typedef {import('../lib/settingsForm.js').SettingsForm} SettingsForm */
/** @typedef {import('../lib/settingsForm.js').InstanceForm} InstanceForm */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

const MESSAGE_ID = 'settings-message';
const RESTART = 'applies after a restart';

/**
 * Where a setting comes from: saved here, or the configuration file's (the add-on's options).
 * @param {{ settings: Settings, setting: Settings['saved'][number] }} props
 */
function Origin({ settings, setting }) {
  const saved = settings.saved.includes(setting);
  return html`<span class="origin" data-testid=${`origin-${setting}`}>${saved ? 'Saved here' : 'From the configuration'}</span>`;
}

/**
 * The notice of what the engine applies only after a restart.
 * @param {{ settings: Settings }} props
 */
function RestartNotice({ settings }) {
  const pending = restartLabels(settings.restart_required, settings);
  return html`<p class=${`message${pending.length ? ' warning' : ''}`} role="status" data-testid="restart-notice">
    ${pending.length > 0 && `Restart the engine to apply ${pending.join(', ')}; the rest applies now.`}
  </p>`;
}

/**
 * One Home Assistant instance's fields.
 * @param {{ index: number, instance: InstanceForm, errors: Map<string, string[]>,
 *   onChange: (instance: InstanceForm) => void, onRemove: () => void }} props
 */
function InstanceFields({ index, instance, errors, onChange, onRemove }) {
  const at = `homeassistant[${index}]`;
  /** @type {(key: keyof InstanceForm) => (value: string) => void} */
  const set = (key) => (value) => onChange({ ...instance, [key]: value });
  const title = instance.name || `instance ${index + 1}`;
  return html`<fieldset class="instance" data-testid="instance" data-index=${index}>
    <legend>Home Assistant ${title}</legend>
    <${GroupErrors} path=${at} messages=${errors.get(at)} />
    <div class="fields">
      <${Field} path=${`${at}.name`} label="Name" value=${instance.name} onInput=${set('name')}
        hint=${`Unique; a new instance ${RESTART}`} messages=${errors.get(`${at}.name`)} />
      <${Field} path=${`${at}.url`} label="WebSocket URL" value=${instance.url} onInput=${set('url')} wide
        hint=${`ws://HOST:8123/api/websocket (wss:// with TLS); ${RESTART}`} messages=${errors.get(`${at}.url`)} />
      <${Field} path=${`${at}.token`} label="Access token" type="password" value=${instance.token} onInput=${set('token')} wide
        hint="Empty: keeps its token while the URL stays" messages=${errors.get(`${at}.token`)} />
      <${Field} path=${`${at}.include`} label="Also record" value=${instance.include} onInput=${set('include')} wide
        hint="Entity ids or globs, separated by commas; applies at the next sync" messages=${errors.get(`${at}.include`)} />
      <${Field} path=${`${at}.exclude`} label="Never record" value=${instance.exclude} onInput=${set('exclude')} wide
        hint="Entity ids or globs, separated by commas; applies at the next sync" messages=${errors.get(`${at}.exclude`)} />
    </div>
    <div class="actions">
      <button type="button" onClick=${onRemove} aria-label=${`Remove Home Assistant ${title}`}>Remove</button>
    </div>
  </fieldset>`;
}

/**
 * The form of every setting, as SETTINGS has them; ON_SAVED gets the engine's answer.
 * @param {{ settings: Settings, onSaved: (settings: Settings) => void }} props
 */
function SettingsEditor({ settings, onSaved }) {
  const [form, setForm] = useState(() => formOf(settings));
  const { errors, busy, submit: save } = useFieldForm({
    paths: () => fieldPaths(form),
    messageId: MESSAGE_ID,
    make: () => bodyOf(form),
    send: async (body) => {
      /** @type {Settings} */
      const saved = await api('api/v1/settings', { method: 'PUT', body });
      setForm(formOf(saved));
      onSaved(saved);
    },
  });
  /** @type {(key: 'currency'|'timezone') => (value: string) => void} */
  const set = (key) => (value) => setForm((previous) => ({ ...previous, [key]: value }));
  /** @type {(key: keyof SettingsForm['retention']) => (value: string) => void} */
  const setDays = (key) => (value) => setForm((previous) => ({ ...previous, retention: { ...previous.retention, [key]: value } }));
  /** @param {(instances: InstanceForm[]) => InstanceForm[]} change */
  const setInstances = (change) => setForm((previous) => ({ ...previous, homeassistant: change(previous.homeassistant) }));
  const addInstance = () => {
    const index = form.homeassistant.length;
    setInstances((instances) => [...instances, emptyInstance()]);
    requestAnimationFrame(() => document.getElementById(fieldId(`homeassistant[${index}].name`))?.focus());
  };

  const general = errors.get('general');
  return html`<form onSubmit=${save} noValidate>
    <div class="grid two">
      <section class="card" aria-labelledby="settings-money">
        <h2 id="settings-money">Money and time <${Origin} settings=${settings} setting="currency" /></h2>
        <div class="fields">
          <${Field} path="currency" label="Currency" value=${form.currency} onInput=${set('currency')}
            hint=${`ISO 4217, like EUR; ${RESTART}`} messages=${errors.get('currency')} />
          <${Field} path="timezone" label="Time zone" value=${form.timezone} onInput=${set('timezone')}
            hint=${`IANA name, like Europe/Berlin; ${RESTART}`} messages=${errors.get('timezone')} />
        </div>
      </section>
      <section class="card" aria-labelledby="settings-retention">
        <h2 id="settings-retention">Retention <${Origin} settings=${settings} setting="retention" /></h2>
        <p class="detail">How long data is kept; applies at once.</p>
        <div class="fields">
          ${RETENTION.map(([key, label]) => html`<${Field} key=${key} path=${`retention.${key}`} label=${label}
            value=${form.retention[key]} onInput=${setDays(key)} inputMode="numeric" messages=${errors.get(`retention.${key}`)} />`)}
        </div>
      </section>
    </div>
    <section class="card" aria-labelledby="settings-collector">
      <h2 id="settings-collector">Home Assistant instances <${Origin} settings=${settings} setting="homeassistant" /></h2>
      <p class="detail">Where the collector records energy from: the Energy dashboard's entities, plus those it should also record, minus those it never should.</p>
      <${GroupErrors} path="homeassistant" messages=${errors.get('homeassistant')} />
      ${form.homeassistant.length === 0 && html`<p class="empty">No Home Assistant instance.</p>`}
      ${form.homeassistant.map((instance, index) => html`<${InstanceFields} key=${index} index=${index} instance=${instance} errors=${errors}
        onChange=${(/** @type {InstanceForm} */ changed) => setInstances((instances) => instances.map((each, at) => (at === index ? changed : each)))}
        onRemove=${() => setInstances((instances) => instances.filter((_, at) => at !== index))} />`)}
      <div class="actions"><button type="button" onClick=${addInstance}>Add an instance</button></div>
    </section>
    <p id=${MESSAGE_ID} class=${`message${general ? ' error' : ''}`} role=${general ? 'alert' : 'status'} tabindex="-1">${general?.join(' · ')}</p>
    <div class="actions">
      <button type="submit" class="primary" disabled=${busy}>Save settings</button>
    </div>
  </form>`;
}

export function Settings() {
  /** @type {Loaded<Answers['getSettings']>} */
  const loaded = useApi('api/v1/settings');
  const [current, setCurrent] = useState(/** @type {Settings|null} */ (null));
  const [notice, setNotice] = useState('');
  if (loaded.error) return html`<${ErrorNote} error=${loaded.error} what="the settings" />`;
  const settings = current ?? loaded.data;
  if (!settings) return html`<${Loading} />`;
  return html`
    <h1 class="view-title">Settings</h1>
    <p class="message ok" role="status" data-testid="settings-notice">${notice}</p>
    <${RestartNotice} settings=${settings} />
    <${SettingsEditor} settings=${settings} onSaved=${(/** @type {Settings} */ saved) => {
      setCurrent(saved);
      setNotice('Saved the settings.');
    }} />`;
}
