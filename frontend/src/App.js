import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote, Loading } from './components/Common.js';
import { lazyView } from './components/LazyView.js';
import { UNAUTHORIZED_EVENT, authMode, storedToken } from './lib/api.js';
import { useLive } from './lib/hooks.js';
import { Budgets } from './views/Budgets.js';
import { Compare } from './views/Compare.js';
import { DeviceDetail } from './views/DeviceDetail.js';
import { DeviceList } from './views/DeviceList.js';
import { Overview } from './views/Overview.js';
import { TokenPrompt } from './views/TokenPrompt.js';

const VIEWS = [
  { id: 'overview', label: 'Overview' },
  { id: 'devices', label: 'Devices' },
  { id: 'analysis', label: 'Cost analysis' },
  { id: 'tariffs', label: 'Tariffs' },
  { id: 'compare', label: 'Compare' },
  { id: 'budgets', label: 'Budgets' },
  { id: 'statements', label: 'Statements' },
  { id: 'ranking', label: 'Ranking' },
  { id: 'plugins', label: 'Plugins' },
  { id: 'settings', label: 'Settings' },
];

// The tariff editor brings the YAML library (as large as the rest of the page): loaded when opened.
/** @type {Promise<typeof import('./views/TariffEditor.js')>|null} */
let editorModule = null;
const loadEditor = () => (editorModule ??= import('./views/TariffEditor.js').catch((error) => {
  editorModule = null; // tried again when next opened
  throw error;
}));

/** @param {{ tariffName: string|null }} props */
function LazyTariffEditor({ tariffName }) {
  const [loaded, setLoaded] = useState(
    /** @type {{ module: typeof import('./views/TariffEditor.js'), error?: undefined }|{ error: Error }|null} */ (null),
  );
  useEffect(() => {
    loadEditor().then((module) => setLoaded({ module }), (error) => setLoaded({ error }));
  }, []);
  if (loaded?.error) return html`<${ErrorNote} error=${loaded.error} what="the tariff editor" />`;
  if (!loaded) return html`<${Loading} />`;
  return html`<${loaded.module.TariffEditor} tariffName=${tariffName} />`;
}

const Statements = lazyView(() => import('./views/Statements.js').then((module) => module.Statements), 'the statements');
const Ranking = lazyView(() => import('./views/Ranking.js').then((module) => module.Ranking), 'the ranking');
const Analysis = lazyView(() => import('./views/Analysis.js').then((module) => module.Analysis), 'the cost analysis');
const Plugins = lazyView(() => import('./views/Plugins.js').then((module) => module.Plugins), 'the plugins');
const Settings = lazyView(() => import('./views/Settings.js').then((module) => module.Settings), 'the settings');

const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…' };

/** Whether the page follows the engine's events now. */
function LiveStatus() {
  const { status } = useLive();
  return html`<p class=${`live ${status}`} role="status" data-testid="live" data-status=${status}>${LIVE_TEXT[status]}</p>`;
}

/**
 * '#/devices/3' → { view: 'devices', param: '3' }.
 * @param {string} hash
 */
export function parseRoute(hash) {
  const [view, ...rest] = hash.replace(/^#\/?/, '').split('/');
  const known = VIEWS.some((entry) => entry.id === view);
  return { view: known ? view : 'overview', param: rest.length ? decodeURIComponent(rest.join('/')) : null };
}

export function App() {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  const [needToken, setNeedToken] = useState(() => authMode() === 'token' && !storedToken());
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash));
    const onUnauthorized = () => setNeedToken(true);
    window.addEventListener('hashchange', onHash);
    window.addEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    return () => {
      window.removeEventListener('hashchange', onHash);
      window.removeEventListener(UNAUTHORIZED_EVENT, onUnauthorized);
    };
  }, []);
  useEffect(() => {
    const label = VIEWS.find((entry) => entry.id === route.view)?.label;
    document.title = `${label} · AetherLens`;
  }, [route.view]);
  if (needToken) return html`<${TokenPrompt} onDone=${() => setNeedToken(false)} />`;
  let view;
  switch (route.view) {
    case 'devices':
      view = route.param === null ? html`<${DeviceList} />` : html`<${DeviceDetail} deviceId=${route.param} />`;
      break;
    case 'analysis':
      view = html`<${Analysis} />`;
      break;
    case 'tariffs':
      view = html`<${LazyTariffEditor} tariffName=${route.param} />`;
      break;
    case 'compare':
      view = html`<${Compare} />`;
      break;
    case 'budgets':
      view = html`<${Budgets} />`;
      break;
    case 'statements':
      view = html`<${Statements} />`;
      break;
    case 'ranking':
      view = html`<${Ranking} />`;
      break;
    case 'plugins':
      view = html`<${Plugins} />`;
      break;
    case 'settings':
      view = html`<${Settings} />`;
      break;
    default:
      view = html`<${Overview} />`;
  }
  return html`
    <a class="skip" href="#main" onClick=${(/** @type {MouseEvent} */ event) => { event.preventDefault(); /** @type {HTMLElement} */ (document.getElementById('main')).focus(); }}>Skip to content</a>
    <header class="top">
      <h1 class="brand">AetherLens</h1>
      <nav aria-label="Views">
        <ul>
          ${VIEWS.map(
            (entry) => html`<li key=${entry.id}>
              <a href=${`#/${entry.id}`} aria-current=${route.view === entry.id ? 'page' : undefined}>${entry.label}</a>
            </li>`,
          )}
        </ul>
      </nav>
      <${LiveStatus} />
    </header>
    <main id="main" tabindex="-1">${view}</main>
  `;
}
