import { html } from 'htm/preact';
import { chosen, formatMonths, getIn, newItem, numberOrText, parseMonths, text } from '../lib/tariffForm.js';
import { joinPath } from '../lib/validation.js';
import { Checkbox, Checks, Field, GroupErrors } from './Field.js';

/** @typedef {import('../lib/tariffForm.js').Field} Field */
/** @typedef {import('../lib/tariffForm.js').InputField} InputField */
/** @typedef {import('../lib/tariffForm.js').Parts} Parts */
/**
 * What each part of the form gets: the DEFINITION, SET (the value at a path) and ERRORS (messages by path).
 * @typedef {{ definition: import('../lib/tariffForm.js').Definition, set: (parts: Parts, value: unknown) => void,
 *   errors: Map<string, string[]> }} FormProps
 */
/**
 * A list of the format: a section, or a field of kind list (LABEL its legend).
 * @typedef {{ path?: string[], required?: boolean, legend?: string, label?: string, item: string, fields: Field[] }} ListSection
 */

/** @type {(typed: string) => string} */
const numberText = (typed) => text(numberOrText(typed));
/** @type {(typed: string) => string} */
const monthsText = (typed) => formatMonths(parseMonths(typed));

/**
 * The input of one FIELD of the item at BASE (definition path parts) in DEFINITION.
 * @param {FormProps & { field: InputField, base: Parts }} props
 */
function Input({ field, base, definition, set, errors }) {
  const parts = [...base, field.key];
  const path = joinPath(parts);
  const value = getIn(definition, parts);
  const messages = errors.get(path);
  /** @type {(next: unknown) => void} */
  const change = (next) => set(parts, next);
  switch (field.kind) {
    case 'number':
      return html`<${Field} path=${path} label=${field.label} hint=${field.hint} inputMode="decimal" value=${text(value)}
        normalize=${numberText} onInput=${(/** @type {string} */ typed) => change(numberOrText(typed) ?? (field.required ? '' : undefined))} messages=${messages} />`;
    case 'months':
      return html`<${Field} path=${path} label=${field.label} hint=${field.hint} value=${formatMonths(value)}
        normalize=${monthsText} onInput=${(/** @type {string} */ typed) => change(parseMonths(typed))} messages=${messages} />`;
    case 'select':
      return html`<${Field} path=${path} label=${field.label} hint=${field.hint} options=${field.options} value=${value ?? field.default}
        onInput=${change} messages=${messages} />`;
    case 'bool':
      return html`<${Checkbox} path=${path} label=${field.label} checked=${value ?? field.default} onChange=${change} messages=${messages} />`;
    case 'checks':
      return html`<${Checks} path=${path} label=${field.label} options=${field.options} messages=${messages}
        selected=${Array.isArray(value) ? value : field.options}
        onChange=${(/** @type {string[]} */ selected) => change(selected.length === /** @type {string[]} */ (field.options).length ? undefined : selected)} />`;
    case 'list':
      return html`<${ListEditor} section=${field} path=${parts} definition=${definition} set=${set} errors=${errors} nested />`;
    default:
      return html`<${Field} path=${path} label=${field.label} hint=${field.hint} value=${text(value ?? field.default)}
        onInput=${change} messages=${messages} />`;
  }
}

/**
 * A choice between exclusive fields (a price or tiers): the one the item has, and a switch.
 * @param {FormProps & { field: import('../lib/tariffForm.js').ChoiceField, base: Parts }} props
 */
function Choice({ field, base, definition, set, errors }) {
  const item = /** @type {Record<string, unknown>} */ (getIn(definition, base)); // a list's row: it exists
  const current = chosen(field, item);
  const others = field.options.filter((option) => option !== current);
  return html`<div class="choice">
    <${Input} field=${current} base=${base} definition=${definition} set=${set} errors=${errors} />
    ${others.map((option) => html`<button type="button" class="link" key=${option.key}
      aria-label=${`${option.label} instead (${joinPath(base)})`}
      onClick=${() => {
        const { [current.key]: _dropped, ...rest } = item;
        set(base, { ...rest, ...newItem([option]) });
      }}>${option.label} instead</button>`)}
  </div>`;
}

/**
 * The inputs of the item at BASE.
 * @param {FormProps & { fields: Field[], base: Parts }} props
 */
export function ItemFields({ fields, base, definition, set, errors }) {
  return fields.map((field) => (field.kind === 'choice'
    ? html`<${Choice} key="choice" field=${field} base=${base} definition=${definition} set=${set} errors=${errors} />`
    : html`<${Input} key=${field.key} field=${field} base=${base} definition=${definition} set=${set} errors=${errors} />`));
}

/**
 * A list of the format (surcharges, taxes, periods, tiers, …): a row per item, add and remove.
 * @param {FormProps & { section: ListSection, path?: Parts, nested?: boolean }} props
 */
export function ListEditor({ section, path, definition, set, errors, nested }) {
  const parts = /** @type {Parts} */ (path ?? section.path); // a nested list's path, else its section's
  const listPath = joinPath(parts);
  const items = /** @type {unknown[]} */ (getIn(definition, parts) ?? []);
  const rows = items.map((_, index) => {
    const base = [...parts, index];
    const label = `${section.item} ${index + 1}`;
    const scope = nested ? ` of ${joinPath(parts.slice(0, -1))}` : '';
    return html`<div class="period-row" key=${index} role="group" aria-label=${`${label}${scope}`}>
      <${ItemFields} fields=${section.fields} base=${base} definition=${definition} set=${set} errors=${errors} />
      <button type="button" class="link" aria-label=${`Remove ${label.toLowerCase()}${scope}`}
        disabled=${section.required && items.length === 1}
        onClick=${() => set(parts, items.length === 1 && !section.required ? undefined : items.filter((__, position) => position !== index))}>Remove</button>
      <${GroupErrors} path=${joinPath(base)} messages=${errors.get(joinPath(base))} />
    </div>`;
  });
  const add = html`<button type="button" aria-label=${`Add ${section.item.toLowerCase()}${nested ? ` to ${joinPath(parts.slice(0, -1))}` : ''}`}
    onClick=${() => set(parts, [...items, newItem(section.fields)])}>Add ${section.item.toLowerCase()}</button>`;
  return html`<fieldset class=${nested ? 'nested' : undefined}>
    <legend>${section.legend ?? section.label}</legend>
    <${GroupErrors} path=${listPath} messages=${errors.get(listPath)} />
    ${rows}
    ${add}
  </fieldset>`;
}

/**
 * An optional block of the format (the minimum bill): its fields, or a button to add it.
 * @param {FormProps & { section: import('../lib/tariffForm.js').Section }} props
 */
export function BlockEditor({ section, definition, set, errors }) {
  const path = joinPath(section.path);
  const value = getIn(definition, section.path);
  return html`<fieldset>
    <legend>${section.legend}</legend>
    <${GroupErrors} path=${path} messages=${errors.get(path)} />
    ${value === undefined
      ? html`<button type="button" onClick=${() => set(section.path, newItem(section.fields))}>Add ${section.item.toLowerCase()}</button>`
      : html`<div class="period-row">
          <${ItemFields} fields=${section.fields} base=${section.path} definition=${definition} set=${set} errors=${errors} />
          <button type="button" class="link" onClick=${() => set(section.path, undefined)}>Remove ${section.item.toLowerCase()}</button>
        </div>`}
  </fieldset>`;
}
