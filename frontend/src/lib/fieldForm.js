// A form whose fields the engine checks: its submission, the refused fields' messages by path,
// and the focus on the first refused field (else on the form's message) once they are drawn.

import { useState } from 'preact/hooks';
import { fieldId } from '../components/Field.js';
import { errorsByField, validationErrors } from './validation.js';

/** @typedef {Array<{ path: string, message: string }>} FieldErrors */

/**
 * Submit a form: MAKE gives its body or the errors keeping it from being one; SEND sends the
 * body (an engine's 422 or 409 naming fields is shown at them). PATHS() are the fields shown, in
 * their order; MESSAGE_ID the form's message, for what no field shows.
 * @template B
 * @param {{ paths: () => string[], messageId: string, make: () => { body: B }|{ errors: FieldErrors },
 *   send: (body: B) => Promise<void> }} options
 */
export function useFieldForm({ paths, messageId, make, send }) {
  const [errors, setErrors] = useState(/** @type {Map<string, string[]>} */ (new Map()));
  const [busy, setBusy] = useState(false);

  /** @param {FieldErrors} found */
  const show = (found) => {
    const shown = paths();
    const grouped = errorsByField(found, shown);
    setErrors(grouped);
    const first = shown.find((path) => grouped.has(path));
    requestAnimationFrame(() => ((first ? document.getElementById(fieldId(first)) : null) ?? document.getElementById(messageId))?.focus());
  };

  /** @param {import('preact').TargetedEvent<HTMLFormElement>} event */
  const submit = async (event) => {
    event.preventDefault();
    const made = make();
    if ('errors' in made) {
      show(made.errors);
      return;
    }
    setBusy(true);
    try {
      await send(made.body);
      setErrors(new Map());
    } catch (err) {
      show(validationErrors(err) ?? [{ path: '', message: /** @type {Error} */ (err).message }]);
    } finally {
      setBusy(false);
    }
  };
  return { errors, busy, submit };
}
