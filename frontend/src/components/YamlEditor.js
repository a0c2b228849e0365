import { html } from 'htm/preact';
import { useRef } from 'preact/hooks';

/**
 * Move the caret of TEXTAREA to LINE and COLUMN (1-based) and bring that line into view.
 * @param {HTMLTextAreaElement} textarea
 * @param {number} line
 * @param {number} column
 */
function goTo(textarea, line, column) {
  const lines = textarea.value.split('\n');
  const before = lines.slice(0, line - 1).reduce((sum, each) => sum + each.length + 1, 0);
  const offset = before + Math.min(column - 1, lines[line - 1]?.length ?? 0);
  textarea.focus();
  textarea.setSelectionRange(offset, offset);
  const lineHeight = parseFloat(getComputedStyle(textarea).lineHeight) || 18;
  textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
}

/**
 * The definition as YAML in a text area, with line numbers; each error ({line, column, path,
 * message}) is listed with its place, marked in the margin, and a click moves the caret there.
 * @param {{ id: string, text: string, onInput: (text: string) => void,
 *   errors: Array<{ line: number, column: number, path: string, message: string }> }} props
 */
export function YamlEditor({ id, text, onInput, errors }) {
  const area = useRef(/** @type {HTMLTextAreaElement|null} */ (null));
  const gutter = useRef(/** @type {HTMLOListElement|null} */ (null));
  const marked = new Set(errors.map((error) => error.line));
  const count = text.split('\n').length;
  const numbers = Array.from({ length: count }, (_, index) => index + 1);
  return html`<div class=${`field wide yaml${errors.length ? ' invalid' : ''}`}>
    <label for=${id}>Definition (YAML, the native format: every field)</label>
    <div class="yaml-box">
      <ol class="yaml-lines" ref=${gutter} aria-hidden="true">
        ${numbers.map((line) => html`<li key=${line} class=${marked.has(line) ? 'error' : undefined} data-line=${line}>${line}</li>`)}
      </ol>
      <textarea id=${id} ref=${area} rows="22" spellcheck="false" wrap="off" value=${text}
        aria-invalid=${errors.length ? 'true' : undefined} aria-describedby=${errors.length ? `${id}-errors` : undefined}
        onScroll=${(/** @type {import('preact').TargetedEvent<HTMLTextAreaElement>} */ event) => { /** @type {HTMLOListElement} */ (gutter.current).scrollTop = event.currentTarget.scrollTop; }}
        onInput=${(/** @type {import('preact').TargetedEvent<HTMLTextAreaElement>} */ event) => onInput(event.currentTarget.value)}></textarea>
    </div>
    ${errors.length > 0 && html`<ul id=${`${id}-errors`} class="yaml-errors field-error">
      ${errors.map((error) => html`<li key=${`${error.line}:${error.column}:${error.message}`}>
        <button type="button" class="link" data-line=${error.line} onClick=${() => goTo(/** @type {HTMLTextAreaElement} */ (area.current), error.line, error.column)}>
          Line ${error.line}, column ${error.column}</button>: ${error.path ? `${error.path}: ` : ''}${error.message}
      </li>`)}
    </ul>`}
  </div>`;
}
