import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ErrorNote, Loading } from './Common.js';

/**
 * A view loaded when first opened (its own chunk, out of the overview's first load); LOAD is
 * tried again when the view is next opened after a failure.
 * @param {() => Promise<import('preact').ComponentType<{}>>} load
 * @param {string} what the view, for the error
 */
export function lazyView(load, what) {
  /** @type {Promise<import('preact').ComponentType<{}>>|null} */
  let loading = null;
  const once = () => (loading ??= load().catch((error) => {
    loading = null;
    throw error;
  }));
  return function LazyView() {
    const [loaded, setLoaded] = useState(/** @type {{ View: import('preact').ComponentType<{}> }|{ error: Error }|null} */ (null));
    useEffect(() => {
      once().then((View) => setLoaded({ View }), (error) => setLoaded({ error }));
    }, []);
    if (loaded && 'error' in loaded) return html`<${ErrorNote} error=${loaded.error} what=${what} />`;
    if (!loaded) return html`<${Loading} />`;
    return html`<${loaded.View} />`;
  };
}
