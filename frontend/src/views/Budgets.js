import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { ErrorNote, Loading, Meter } from '../components/Common.js';
import { Field, fieldId } from '../components/Field.js';
import { api } from '../lib/api.js';
import { FIELDS, PERIODS, SCOPES, bodyOf, emptyForm, formOf, needsDevice, percentSpent } from '../lib/budgetForm.js';
import { money } from '../lib/format.js';
import { useApi } from '../lib/hooks.js';
import { useFieldForm } from '../lib/fieldForm.js';

/** @typedef {import('../lib/apiTypes.js').Answers} Answers */
/** @typedef {import('../lib/apiTypes.js').StoredBudget} StoredBudget */
/** @typedef {import('../lib/apiTypes.js').Device} Device */
/** @typedef {import('../lib/budgetForm.js').BudgetForm} BudgetForm */
/** @template T @typedef {import('../lib/hooks.js').Loaded<T>} Loaded */

const MESSAGE_ID = 'budget-message';

/** @param {Record<string, string>} labels */
const choices = (labels) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/**
 * The form creating a budget, or replacing EDITING.
 * @param {{ editing: StoredBudget|null, devices: Device[], onSaved: (budget: StoredBudget) => void, onCancel: () => void }} props
 */
function BudgetEditor({ editing, devices, onSaved, onCancel }) {
  const [form, setForm] = useState(() => (editing ? formOf(editing) : emptyForm()));
  /** @type {(key: keyof BudgetForm) => (value: string) => void} */
  const set = (key) => (value) => setForm((previous) => ({ ...previous, [key]: value }));
  const cloud = form.scope === 'cloud_account';
  const candidates = devices.filter((device) => (device.kind === 'cloud_account') === cloud);

  const { errors, busy, submit: save } = useFieldForm({
    paths: () => FIELDS,
    messageId: MESSAGE_ID,
    make: () => bodyOf(form),
    send: async (body) => {
      const path = editing ? `api/v1/budgets/${editing.id}` : 'api/v1/budgets';
      /** @type {StoredBudget} */
      const saved = await api(path, { method: editing ? 'PUT' : 'POST', body });
      onSaved(saved);
    },
  });

  const general = errors.get('general');
  return html`<section class="card" aria-labelledby="budget-form-title">
    <h2 id="budget-form-title">${editing ? `Edit ${editing.name}` : 'New budget'}</h2>
    <form onSubmit=${save} noValidate>
      <div class="fields">
        <${Field} path="name" label="Name" value=${form.name} onInput=${set('name')} messages=${errors.get('name')} />
        <${Field} path="scope" label="Counts" value=${form.scope} options=${choices(SCOPES)}
          onInput=${(/** @type {string} */ value) => setForm((previous) => ({ ...previous, scope: /** @type {BudgetForm['scope']} */ (value), device_id: '' }))}
          messages=${errors.get('scope')} />
        ${needsDevice(form.scope) && html`<${Field} path="device_id" label=${cloud ? 'Cloud account' : 'Device'} value=${form.device_id}
          options=${[{ value: '', label: 'Choose…' }, ...candidates.map((device) => ({ value: String(device.id), label: device.name }))]}
          onInput=${set('device_id')} messages=${errors.get('device_id')} />`}
        <${Field} path="period" label="Period" value=${form.period} options=${choices(PERIODS)}
          onInput=${set('period')} messages=${errors.get('period')} />
        <${Field} path="amount" label="Amount" value=${form.amount} onInput=${set('amount')} inputMode="decimal"
          hint="Like 120 or 12.50" messages=${errors.get('amount')} />
        <${Field} path="thresholds" label="Tell Home Assistant at (%)" value=${form.thresholds} onInput=${set('thresholds')}
          hint="Percents of the amount, rising, like 50, 80, 100" messages=${errors.get('thresholds')} />
      </div>
      <p id=${MESSAGE_ID} class=${`message${general ? ' error' : ''}`} role=${general ? 'alert' : 'status'} tabindex="-1">${general?.join(' · ')}</p>
      <div class="actions">
        <button type="submit" class="primary" disabled=${busy}>${editing ? 'Save changes' : 'Create budget'}</button>
        ${editing && html`<button type="button" onClick=${onCancel}>Cancel</button>`}
      </div>
    </form>
  </section>`;
}

/**
 * One budget: what it has spent, its thresholds, and its actions.
 * @param {{ budget: StoredBudget, spent: string|null, deviceName: string|null, onEdit: () => void, onDeleted: () => void }} props
 */
function BudgetItem({ budget, spent, deviceName, onEdit, onDeleted }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const percent = percentSpent(spent, budget.amount);
  const remove = async () => {
    try {
      await api(`api/v1/budgets/${budget.id}`, { method: 'DELETE' });
      onDeleted();
    } catch (err) {
      setError(/** @type {Error} */ (err).message);
    }
  };
  const reached = percent === null ? [] : budget.thresholds.filter((threshold) => percent >= threshold);
  return html`<li class="budget" data-testid="budget" data-name=${budget.name}>
    <${Meter} label=${budget.name} value=${spent === null ? null : Number(spent)} max=${Number(budget.amount)}
      text=${`${money(spent, budget.currency)} of ${money(budget.amount, budget.currency)}`} />
    <p class="detail">
      ${SCOPES[budget.scope]}${deviceName ? `: ${deviceName}` : ''} · per ${PERIODS[budget.period].toLowerCase()} ·
      told at ${budget.thresholds.map((threshold) => `${threshold}\u00a0%`).join(', ')}
      ${reached.length > 0 ? ` · ${reached[reached.length - 1]}\u00a0% reached` : ''}
    </p>
    ${error && html`<p class="message error" role="alert">${error}</p>`}
    <div class="actions">
      ${confirming
        ? html`<span>Delete ${budget.name}?</span>
            <button type="button" class="danger" onClick=${remove}>Delete it</button>
            <button type="button" onClick=${() => setConfirming(false)}>Keep it</button>`
        : html`<button type="button" onClick=${onEdit} aria-label=${`Edit ${budget.name}`}>Edit</button>
            <button type="button" onClick=${() => setConfirming(true)} aria-label=${`Delete ${budget.name}`}>Delete</button>`}
    </div>
  </li>`;
}

export function Budgets() {
  /** @type {Loaded<Answers['listBudgets']>} */
  const list = useApi('api/v1/budgets');
  /** @type {Loaded<Answers['getSummary']>} */
  const summary = useApi('api/v1/summary');
  /** @type {Loaded<Answers['listDevices']>} */
  const devices = useApi('api/v1/devices');
  const [editing, setEditing] = useState(/** @type {StoredBudget|null} */ (null));
  // A new key gives a fresh form after a save or a cancel.
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState('');

  const reload = () => {
    list.reload();
    summary.reload();
  };
  /** @param {StoredBudget|null} budget */
  const edit = (budget) => {
    setEditing(budget);
    setFormKey((key) => key + 1);
    setNotice('');
    if (budget) requestAnimationFrame(() => document.getElementById(fieldId('name'))?.focus());
  };
  /** @param {string} text */
  const done = (text) => {
    edit(null);
    setNotice(text);
    reload();
  };

  if (list.error) return html`<${ErrorNote} error=${list.error} what="the budgets" />`;
  // What each has spent comes with the summary: shown once it is there (or has failed).
  if (!list.data || !devices.data || (!summary.data && !summary.error)) return html`<${Loading} />`;
  const spentBy = new Map((summary.data?.budgets ?? []).map((budget) => [budget.id, budget.spent]));
  const names = new Map(devices.data.devices.map((device) => [device.id, device.name]));
  return html`
    <h1 class="view-title">Budgets</h1>
    <p class="message ok" role="status" data-testid="budget-notice">${notice}</p>
    <div class="grid two">
      <section class="card" aria-labelledby="budget-list">
        <h2 id="budget-list">Budgets and what they have spent</h2>
        ${list.data.budgets.length === 0
          ? html`<p class="empty">No budgets yet.</p>`
          : html`<ul class="budgets">
              ${list.data.budgets.map((budget) => html`<${BudgetItem} key=${budget.id} budget=${budget}
                spent=${spentBy.get(budget.id) ?? null} deviceName=${budget.device_id === null ? null : names.get(budget.device_id) ?? null}
                onEdit=${() => edit(budget)} onDeleted=${() => done(`Deleted ${budget.name}.`)} />`)}
            </ul>`}
      </section>
      <${BudgetEditor} key=${formKey} editing=${editing} devices=${devices.data.devices}
        onSaved=${(/** @type {StoredBudget} */ saved) => done(`Saved ${saved.name}.`)} onCancel=${() => edit(null)} />
    </div>`;
}
