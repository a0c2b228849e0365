// The engine's API as the page uses it. URLs are relative: the engine writes a <base href>
// (the ingress prefix, or "/"), so they resolve behind Home Assistant's ingress too.

const TOKEN_KEY = 'aetherlens.token';
/** Fired when the engine refuses the stored token (or there is none). */
export const UNAUTHORIZED_EVENT = 'aetherlens:unauthorized';

/** An answer other than 2xx, with the engine's JSON error body when there is one. */
export class ApiRequestError extends Error {
  /**
   * @param {number} status
   * @param {*} body the parsed answer: the document's `Error`, a 422's errors, or `{ message }` for text
   */
  constructor(status, body) {
    const message = body?.error?.message ?? body?.message ?? `the engine answered ${status}`;
    super(message);
    this.status = status;
    this.body = body;
    this.code = body?.error?.code ?? null;
  }
}

/**
 * 'ingress' when the Supervisor's proxy authenticates, else 'token'.
 * @param {Document} [doc]
 */
export function authMode(doc = document) {
  return /** @type {HTMLMetaElement|null} */ (doc.querySelector('meta[name="aetherlens-auth"]'))?.content === 'ingress'
    ? 'ingress'
    : 'token';
}

/** @param {Storage} [storage] */
export function storedToken(storage = sessionStorage) {
  return storage.getItem(TOKEN_KEY);
}

/**
 * @param {string|null} token
 * @param {Storage} [storage]
 */
export function storeToken(token, storage = sessionStorage) {
  if (token) storage.setItem(TOKEN_KEY, token);
  else storage.removeItem(TOKEN_KEY);
}

/**
 * Build a query string from an object, leaving out null and undefined values.
 * @param {Object<string, string|number|null|undefined>} params
 */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Call the API at PATH (relative, e.g. "api/v1/summary"); return the parsed JSON (null on 204).
 * Its type is the operation's in lib/apiTypes.js (`Answers`), e.g. `Answers['getSummary']`, given
 * by the caller's annotation; unknown without one, so nothing of it can be read untyped.
 * @template [T=unknown]
 * @param {string} path
 * @param {{ method?: string, body?: *, signal?: AbortSignal }} [options]
 * @returns {Promise<T>}
 */
export async function api(path, { method = 'GET', body, signal } = {}) {
  /** @type {Object<string, string>} */
  const headers = { Accept: 'application/json' };
  const token = authMode() === 'token' ? storedToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  if (response.status === 204) return /** @type {T} */ (null); // the document's 204 answers are null
  const text = await response.text();
  /** @type {*} */
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (response.status === 401 && authMode() === 'token') {
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED_EVENT));
  }
  if (!response.ok) throw new ApiRequestError(response.status, data);
  return data;
}
