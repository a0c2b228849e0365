// The engine names each invalid field by its path (`energy.periods[1].tiers[0].up_to`); the
// editor shows each message at the closest field it renders.

/**
 * Split a path into its parts: `a.b[1].c` → ['a', 'b', 1, 'c'].
 * @param {string} path
 */
export function splitPath(path) {
  /** @type {Array<string|number>} */
  const parts = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    parts.push(match[2] !== undefined ? Number(match[2]) : match[1]);
  }
  return parts;
}

/** @param {Array<string|number>} parts */
export function joinPath(parts) {
  let text = '';
  for (const part of parts) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text ? `.${part}` : part;
  }
  return text;
}

/**
 * The path and its ancestors, closest first: `a.b[1]` → ['a.b[1]', 'a.b', 'a'].
 * @param {string} path
 */
export function ancestors(path) {
  const parts = splitPath(path);
  const result = [];
  for (let length = parts.length; length > 0; length -= 1) {
    result.push(joinPath(parts.slice(0, length)));
  }
  return result;
}

/**
 * Group the errors of a 422 answer by the field that shows them: the error's own path when a
 * field has it, else its closest ancestor that has one, else `general`.
 * @param {Array<{ path?: string|null, message: string }>} errors
 * @param {string[]} fieldPaths
 */
export function errorsByField(errors, fieldPaths) {
  const known = new Set(fieldPaths);
  /** @type {Map<string, string[]>} */
  const grouped = new Map();
  for (const error of errors) {
    const target = ancestors(error.path ?? '').find((path) => known.has(path)) ?? 'general';
    const message =
      target === error.path || !error.path ? error.message : `${error.path}: ${error.message}`;
    if (!grouped.has(target)) grouped.set(target, []);
    /** @type {string[]} */ (grouped.get(target)).push(message);
  }
  return grouped;
}

/**
 * Return the errors from a failed validation request (422, or a 409 naming its field, such as a
 * name in use), or null if it failed otherwise.
 * @param {unknown} requestError
 * @returns {Array<{ path: string, message: string }>|null}
 */
export function validationErrors(requestError) {
  // An ApiRequestError (its body the parsed answer), or whatever else was thrown.
  const body = /** @type {{ body?: * }|null|undefined} */ (requestError)?.body;
  const status = /** @type {{ status?: number }|null|undefined} */ (requestError)?.status;
  if ((status !== 422 && status !== 409) || !body) return null;
  const errors = body.errors ?? body.error?.details;
  return Array.isArray(errors) ? errors : null;
}

/**
 * The errors of a refused request naming their field: a 422's or 409's list, or a 400 whose
 * message starts with its field (`lines[1].amount: expected …`); null if it failed otherwise.
 * @param {unknown} requestError
 * @returns {Array<{ path: string, message: string }>|null}
 */
export function refusedFields(requestError) {
  const listed = validationErrors(requestError);
  if (listed) return listed;
  const status = /** @type {{ status?: number }|null|undefined} */ (requestError)?.status;
  const message = /** @type {{ message?: string }|null|undefined} */ (requestError)?.message ?? '';
  const named = /^([A-Za-z_][\w.[\]]*): (.+)$/s.exec(message);
  if ((status !== 400 && status !== 422) || !named) return null;
  return [{ path: named[1], message: named[2] }];
}
