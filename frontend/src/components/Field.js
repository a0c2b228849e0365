import { html } from 'htm/preact';

/** The DOM id of the input for a definition PATH (`energy.periods[0].price` → `f-energy-periods-0-price`). */
export function fieldId(path) {
  return `f-${path.replace(/[.[\]]+/g, '-').replace(/-$/, '')}`;
}

/** A labelled input for definition PATH showing its validation MESSAGES. */
export function Field({ path, label, value, onInput, messages, type = 'text', hint, options, inputMode, wide }) {
  const id = fieldId(path);
  const invalid = messages && messages.length > 0;
  const described = [hint ? `${id}-hint` : null, invalid ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: path,
    'data-path': path,
    'aria-invalid': invalid ? 'true' : undefined,
    'aria-describedby': described,
  };
  const control = options
    ? html`<select ...${common} value=${value} onChange=${(event) => onInput(event.currentTarget.value)}>
        ${options.map((option) => html`<option key=${option} value=${option}>${option}</option>`)}
      </select>`
    : html`<input ...${common} type=${type} inputmode=${inputMode} value=${value}
        onInput=${(event) => onInput(event.currentTarget.value)} />`;
  return html`<div class=${`field${invalid ? ' invalid' : ''}${wide ? ' wide' : ''}`}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<small id=${`${id}-hint`} class="hint">${hint}</small>`}
    ${invalid && html`<p id=${`${id}-error`} class="field-error">${messages.join(' · ')}</p>`}
  </div>`;
}

/** Validation messages for a group (a row or a list) that has no input of its own. */
export function GroupErrors({ path, messages }) {
  if (!messages || messages.length === 0) return null;
  return html`<p class="field-error" id=${`${fieldId(path)}-error`} data-path=${path}>${messages.join(' · ')}</p>`;
}
