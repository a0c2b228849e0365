// Live updates: the engine's server-sent events (GET api/v1/events), read with fetch so that the
// bearer token travels as with every call (EventSource cannot send it). One stream serves every
// view; it reconnects after the engine's `retry:` (longer after failures in a row), and a view
// re-reads what it shows on each `rolled_up`, and after a reconnect (events may have been missed).

import { authMode, storedToken } from './api.js';

/**
 * Split the text received so far into whole events and the rest (an event ends at a blank line).
 * @param {string} text
 * @returns {{ events: Array<{ event: string, data: string }>, retry: number|null, rest: string }}
 */
export function parseEvents(text) {
  const events = [];
  let retry = null;
  const blocks = text.replace(/\r\n?/g, '\n').split('\n\n');
  const rest = /** @type {string} */ (blocks.pop());
  for (const block of blocks) {
    let event = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':') || line === '') continue; // a comment (keep-alive)
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return { events, retry, rest };
}

/**
 * How long to wait before reconnecting after FAILURES failed attempts in a row.
 * @param {number} retry the engine's `retry:` in ms
 * @param {number} failures
 */
export function reconnectDelay(retry, failures) {
  return Math.min(retry * 2 ** Math.max(failures - 1, 0), 30_000);
}

/** @typedef {'connecting'|'live'|'reconnecting'} LiveStatus */
/** @typedef {{ onRefresh: () => void, onStatus: (status: LiveStatus) => void }} LiveListener */

/** @type {Set<LiveListener>} */
const listeners = new Set();
/** @type {AbortController|null} */
let running = null;
/** @type {LiveStatus} */
let status = 'connecting';

/** @param {LiveStatus} next */
function setStatus(next) {
  status = next;
  for (const listener of listeners) listener.onStatus(next);
}

/** Read one connection until it ends; return the `retry:` it asked for, and whether it opened. */
async function readOnce(/** @type {AbortSignal} */ signal, /** @type {boolean} */ reconnected) {
  /** @type {Object<string, string>} */
  const headers = { Accept: 'text/event-stream' };
  const token = authMode() === 'token' ? storedToken() : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch('api/v1/events', { headers, signal, cache: 'no-store' });
  if (!response.ok || !response.body) return { retry: null, opened: false };
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  let retry = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return { retry, opened: true };
    const parsed = parseEvents(text + value);
    text = parsed.rest;
    retry = parsed.retry ?? retry;
    for (const { event } of parsed.events) {
      if (event === 'ready') {
        setStatus('live');
        if (reconnected) for (const listener of listeners) listener.onRefresh();
      } else if (event === 'rolled_up') {
        for (const listener of listeners) listener.onRefresh();
      }
    }
  }
}

async function run(/** @type {AbortSignal} */ signal) {
  let retry = 3000;
  let failures = 0;
  let reconnected = false;
  while (!signal.aborted) {
    try {
      const result = await readOnce(signal, reconnected);
      retry = result.retry ?? retry;
      failures = result.opened ? 0 : failures + 1;
    } catch {
      if (signal.aborted) return;
      failures += 1;
    }
    reconnected = true;
    setStatus('reconnecting');
    await new Promise((resolve) => setTimeout(resolve, reconnectDelay(retry, failures)));
  }
}

/**
 * Follow the engine's events while LISTENER is subscribed; the stream runs while anyone is.
 * @param {LiveListener} listener
 * @returns {() => void} unsubscribe
 */
export function subscribe(listener) {
  listeners.add(listener);
  listener.onStatus(status);
  if (!running) {
    running = new AbortController();
    run(running.signal);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && running) {
      running.abort();
      running = null;
      status = 'connecting';
    }
  };
}
