import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../lib/api.js';
import { percent } from '../lib/format.js';

const POLL_MS = 500;

/**
 * The recompute of costs: polled while it runs; START is a status to begin from (or null).
 * @param {{ start: import('../lib/apiTypes.js').RecomputeStatus|null }} props
 */
export function RecomputeStatus({ start }) {
  const [status, setStatus] = useState(start);
  const [error, setError] = useState(/** @type {Error|null} */ (null));
  useEffect(() => {
    /** @type {number|null} */
    let timer = null;
    let stopped = false;
    async function poll() {
      try {
        /** @type {import('../lib/apiTypes.js').Answers['getRecompute']} */
        const next = await api('api/v1/recompute');
        if (stopped) return;
        setStatus(next);
        setError(null);
        if (next.state === 'running') timer = setTimeout(poll, POLL_MS);
      } catch (err) {
        if (!stopped) setError(/** @type {Error} */ (err));
      }
    }
    if (start) setStatus(start);
    poll();
    return () => {
      stopped = true;
      clearTimeout(/** @type {number|undefined} */ (timer)); // null is no timer, as undefined
    };
  }, [start]);
  if (error) return html`<p class="error-note" role="alert">Recompute status unavailable: ${error.message}</p>`;
  if (!status || status.state === 'idle') return null;
  const label = {
    running: `Recomputing costs with ${status.tariff}: ${status.hours_done} of ${status.hours_total} hours`,
    done: `Costs recomputed with ${status.tariff} (${status.hours_total} hours)`,
    failed: `Recompute failed: ${status.error}`,
  }[status.state];
  return html`<div class=${`recompute ${status.state}`} role="status" aria-live="polite" data-testid="recompute" data-state=${status.state}>
    <label for="recompute-progress">${label}</label>
    <progress id="recompute-progress" max="1" value=${status.progress}>${percent(status.progress)}</progress>
  </div>`;
}
