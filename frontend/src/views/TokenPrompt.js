import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { api, storeToken } from '../lib/api.js';

/** Ask once for the engine's API token (standalone); it is kept for this browser tab only. */
/** @param {{ onDone: () => void }} props */
export function TokenPrompt({ onDone }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(/** @type {string|null} */ (null));
  const [busy, setBusy] = useState(false);
  /** @param {SubmitEvent} event */
  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    storeToken(token.trim());
    try {
      await api('api/v1/devices');
      onDone();
    } catch (err) {
      storeToken(null);
      // An ApiRequestError, or fetch's TypeError (no status).
      setError(/** @type {Error & { status?: number }} */ (err).status === 401
        ? 'The engine does not accept this token.'
        : /** @type {Error} */ (err).message);
    } finally {
      setBusy(false);
    }
  }
  return html`
    <main id="main" class="token-page">
      <form class="card token" onSubmit=${submit} aria-describedby="token-help">
        <h1>AetherLens</h1>
        <p id="token-help">Enter the engine's API token (the file <code>api_token</code> in its data directory). It is kept for this tab only.</p>
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required
          value=${token} onInput=${(/** @type {import('preact').TargetedEvent<HTMLInputElement>} */ event) => setToken(event.currentTarget.value)}
          aria-invalid=${error ? 'true' : undefined} aria-errormessage=${error ? 'token-error' : undefined} autofocus />
        ${error && html`<p id="token-error" class="field-error" role="alert">${error}</p>`}
        <button type="submit" class="primary" disabled=${busy}>Open</button>
      </form>
    </main>
  `;
}
