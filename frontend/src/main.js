import { html } from 'htm/preact';
import { render } from 'preact';
import { App } from './App.js';
import { followHomeAssistantTheme } from './lib/theme.js';
import './style.css';

followHomeAssistantTheme();
render(html`<${App} />`, /** @type {HTMLElement} */ (document.getElementById('app')));
