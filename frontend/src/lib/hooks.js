import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from './api.js';
import { subscribe } from './live.js';

/**
 * What `useApi` gives: the answer (a type of lib/apiTypes.js), or the error.
 * @template T
 * @typedef {{ data: T|null, error: Error|null, loading: boolean, reload: () => void }} Loaded
 */

/**
 * Load PATH from the API whenever it changes (null: load nothing). Returns { data, error,
 * loading, reload }; a 404 leaves data null with the error set, so views can show what exists.
 * The answer's type comes from the caller's annotation (`@type {Loaded<Answers['getSummary']>}`);
 * without one it is unknown.
 * A change of REFRESH (`useLive()`'s count) loads it again, keeping the answer shown meanwhile.
 * @template [T=unknown]
 * @param {string|null} path
 * @param {number} [refresh]
 * @returns {Loaded<T>}
 */
export function useApi(path, refresh = 0) {
  const [state, setState] = useState(/** @type {Omit<Loaded<T>, 'reload'>} */ ({ data: null, error: null, loading: path !== null }));
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === null) {
      setState({ data: null, error: null, loading: false });
      return undefined;
    }
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    /** @type {Promise<T>} */ (api(path, { signal: controller.signal })).then(
      (data) => setState({ data, error: null, loading: false }),
      (error) => {
        if (error.name !== 'AbortError') setState({ data: null, error, loading: false });
      },
    );
    return () => controller.abort();
  }, [path, generation, refresh]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { ...state, reload };
}

/**
 * Count the engine's news (new figures rolled up, or a reconnect that may have missed some) while
 * the component is shown: give the count to `useApi` to re-read on each.
 * @returns {{ refresh: number, status: import('./live.js').LiveStatus }}
 */
export function useLive() {
  const [refresh, setRefresh] = useState(0);
  const [status, setStatus] = useState(/** @type {import('./live.js').LiveStatus} */ ('connecting'));
  useEffect(() => subscribe({ onRefresh: () => setRefresh((count) => count + 1), onStatus: setStatus }), []);
  return { refresh, status };
}
