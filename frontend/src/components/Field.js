import { html } from 'htm/preact';
import { useState } from 'preact/hooks';

/** @typedef {import('preact').TargetedEvent<HTMLInputElement>} InputEvent */
/** @typedef {import('preact').TargetedEvent<HTMLSelectElement>} SelectEvent */

/**
 * The DOM id of the input for a definition PATH (`energy.periods[0].price` → `f-energy-periods-0-price`).
 * @param {string} path
 */
export function fieldId(path) {
  return `f-${path.replace(/[.[\]]+/g, '-').replace(/-$/, '')}`;
}

/**
 * @param {string} id
 * @param {string|undefined} hint
 * @param {boolean|undefined} invalid
 */
function described(id, hint, invalid) {
  return [hint ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
}

/**
 * @param {string} path
 * @param {string} id
 * @param {boolean|undefined} invalid
 * @param {string} [hint]
 */
function common(path, id, invalid, hint) {
  return {
    id,
    name: path,
    'data-path': path,
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': described(id, hint, invalid),
  };
}

/**
 * @param {{ id: string, label: string, hint?: string, messages?: string[], wide?: boolean,
 *   children: import('preact').ComponentChildren }} props
 */
function FieldShell({ id, label, hint, messages, wide, children }) {
  const invalid = messages && messages.length > 0;
  return html`<div class=${`field${invalid ? ' invalid' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id}>${label}</label>
    ${children}
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${invalid && html`<p id=${`${id}-error`} class="field-error">${/** @type {string[]} */ (messages).join(' · ')}</p>`}
  </div>`;
}

/**
 * A labelled input for definition PATH showing its validation MESSAGES. With NORMALIZE (typed
 * text → the text of the value it means), the text as typed stays while it means VALUE: "6," is
 * not rewritten to "6" under the cursor.
 * @param {{ path: string, label: string, value: string, onInput: (typed: string) => void, messages?: string[],
 *   type?: string, hint?: string, options?: Array<string|{ value: string, label: string }>, inputMode?: string, wide?: boolean,
 *   normalize?: (typed: string) => string }} props
 */
export function Field({ path, label, value, onInput, messages, type = 'text', hint, options, inputMode, wide, normalize }) {
  const id = fieldId(path);
  const [draft, setDraft] = useState(/** @type {string|null} */ (null));
  const invalid = messages && messages.length > 0;
  const attributes = common(path, id, invalid, hint);
  const shown = draft !== null && normalize && normalize(draft) === value ? draft : value;
  const control = options
    ? html`<select ...${attributes} value=${value} onChange=${(/** @type {SelectEvent} */ event) => onInput(event.currentTarget.value)}>
        ${options.map((option) => {
          const { value: key, label: text } = typeof option === 'string' ? { value: option, label: option } : option;
          return html`<option key=${key} value=${key}>${text}</option>`;
        })}
      </select>`
    : html`<input ...${attributes} type=${type} inputmode=${inputMode} value=${shown}
        onInput=${(/** @type {InputEvent} */ event) => { setDraft(event.currentTarget.value); onInput(event.currentTarget.value); }} />`;
  return html`<${FieldShell} id=${id} label=${label} hint=${hint} messages=${messages} wide=${wide}>${control}<//>`;
}

/**
 * A checkbox for a true/false field at PATH.
 * @param {{ path: string, label: string, checked: boolean, onChange: (checked: boolean) => void, messages?: string[] }} props
 */
export function Checkbox({ path, label, checked, onChange, messages }) {
  const id = fieldId(path);
  const invalid = messages && messages.length > 0;
  return html`<div class=${`field check${invalid ? ' invalid' : ''}`}>
    <label class="radio"><input type="checkbox" ...${common(path, id, invalid)} checked=${checked}
      onChange=${(/** @type {InputEvent} */ event) => onChange(event.currentTarget.checked)} /> ${label}</label>
    ${invalid && html`<p id=${`${id}-error`} class="field-error">${/** @type {string[]} */ (messages).join(' · ')}</p>`}
  </div>`;
}

/**
 * A group of checkboxes for a list field at PATH: which of OPTIONS it holds.
 * @param {{ path: string, label: string, options: string[], selected: string[], onChange: (selected: string[]) => void,
 *   messages?: string[] }} props
 */
export function Checks({ path, label, options, selected, onChange, messages }) {
  const id = fieldId(path);
  const invalid = messages && messages.length > 0;
  /** @type {(option: string, on: boolean) => void} */
  const toggle = (option, on) => onChange(options.filter((each) => (each === option ? on : selected.includes(each))));
  return html`<fieldset class=${`checks${invalid ? ' invalid' : ''}`} id=${id} data-path=${path} tabindex="-1"
      aria-invalid=${invalid ? 'true' : undefined} aria-describedby=${invalid ? `${id}-error` : undefined}>
    <legend>${label}</legend>
    ${options.map((option) => html`<label class="radio" key=${option}>
      <input type="checkbox" checked=${selected.includes(option)} onChange=${(/** @type {InputEvent} */ event) => toggle(option, event.currentTarget.checked)} /> ${option}</label>`)}
    ${invalid && html`<p id=${`${id}-error`} class="field-error">${/** @type {string[]} */ (messages).join(' · ')}</p>`}
  </fieldset>`;
}

/**
 * Validation messages for a group (a row or a list) that has no input of its own.
 * @param {{ path: string, messages?: string[] }} props
 */
export function GroupErrors({ path, messages }) {
  if (!messages || messages.length === 0) return null;
  return html`<p class="field-error" id=${`${fieldId(path)}-error`} data-path=${path}>${messages.join(' · ')}</p>`;
}
