import { html } from 'htm/preact';

export function Loading() {
  return html`<p class="loading" role="status">Loading…</p>`;
}

/**
 * An API failure in words; a route the engine does not have yet says so.
 * @param {{ error: Error & { status?: number, code?: string|null }, what: string }} props
 */
export function ErrorNote({ error, what }) {
  const text = error.status === 404 && error.code === 'not_found'
    ? `This engine cannot serve ${what} yet (update the engine).`
    : `Could not load ${what}: ${error.message}`;
  return html`<p class="error-note" role="alert">${text}</p>`;
}

/**
 * A labelled bar for VALUE of MAX (a budget's spending); null VALUE is unknown.
 * @param {{ label: string, value: number|null, max: number, text: string }} props
 */
export function Meter({ label, value, max, text }) {
  const fraction = value === null || !(max > 0) ? 0 : value / max;
  const state = fraction >= 1 ? 'over' : fraction >= 0.8 ? 'near' : 'ok';
  return html`<div class="meter">
    <div class="meter-label"><span>${label}</span><span>${value === null ? 'not known yet' : text}</span></div>
    ${/* Unknown: no meter to read (a meter needs its value); the label says "not known yet". */ ''}
    <div class=${`meter-bar ${state}`} role=${value === null ? undefined : 'meter'} aria-hidden=${value === null ? 'true' : undefined}
      aria-label=${value === null ? undefined : label} aria-valuemin=${value === null ? undefined : '0'} aria-valuemax=${value === null ? undefined : max}
      aria-valuenow=${value ?? undefined} aria-valuetext=${value === null ? undefined : text}>
      <span style=${{ width: `${Math.min(fraction, 1) * 100}%` }}></span>
    </div>
  </div>`;
}
