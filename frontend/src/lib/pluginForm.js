// A plugin's configuration form: each option of its schema as typed, and the configuration it
// becomes. Values stay as typed unless they plainly are what the option takes: the plugin's
// schema (in the engine) names each option it refuses.

/** @typedef {import('./apiTypes.js').PluginField} PluginField */
/** @typedef {import('./apiTypes.js').PluginInfo} PluginInfo */

/**
 * The text of each option for the form: its configured value, else empty (secrets always empty).
 * @param {PluginInfo} plugin
 * @returns {Record<string, string>}
 */
export function formOf(plugin) {
  /** @type {Record<string, string>} */
  const form = {};
  for (const field of plugin.fields) {
    const value = field.secret ? undefined : plugin.config[field.key];
    form[field.key] = value === undefined || value === null ? '' : Array.isArray(value) ? value.join(', ') : String(value);
  }
  return form;
}

/**
 * The configuration FORM means for FIELDS: empty options left out (a secret then keeps its
 * value), numbers and booleans as such, lists split at commas.
 * @param {PluginField[]} fields
 * @param {Record<string, string>} form
 * @returns {Record<string, unknown>}
 */
export function configOf(fields, form) {
  /** @type {Record<string, unknown>} */
  const config = {};
  for (const field of fields) {
    const typed = (form[field.key] ?? '').trim();
    if (typed === '') continue;
    switch (field.kind) {
      case 'integer':
      case 'number':
        config[field.key] = /^-?\d+(\.\d+)?$/.test(typed) ? Number(typed) : typed;
        break;
      case 'boolean':
        config[field.key] = typed === 'true';
        break;
      case 'list':
        config[field.key] = typed.split(',').map((item) => item.trim()).filter(Boolean);
        break;
      default:
        config[field.key] = typed;
    }
  }
  return config;
}
