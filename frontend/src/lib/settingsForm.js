// The settings form: what the user types, and the engine's settings it becomes. Days are typed
// as whole numbers (checked here only for being one); include/exclude as patterns separated by
// commas. Every other rule is the engine's, which names the field it refuses.

/** @typedef {import('./apiTypes.js').Settings} Settings */
/** @typedef {import('./apiTypes.js').SettingsInput} SettingsInput */
/** @typedef {import('./apiTypes.js').CollectorInstanceInput} CollectorInstanceInput */

/**
 * @typedef {Object} InstanceForm
 * @property {string} name
 * @property {string} url
 * @property {string} include
 * @property {string} exclude
 * @property {string} token '' keeps the instance's own (while its url stays)
 */

/**
 * @typedef {Object} SettingsForm
 * @property {string} currency
 * @property {string} timezone
 * @property {Record<RetentionKey, string>} retention
 * @property {InstanceForm[]} homeassistant
 */

/** @typedef {'raw_days'|'hourly_days'|'daily_days'|'compress_after_days'} RetentionKey */

/** @type {Array<[RetentionKey, string]>} */
export const RETENTION = [
  ['raw_days', 'Readings (days)'],
  ['hourly_days', 'Hourly totals (days)'],
  ['daily_days', 'Daily totals (days)'],
  ['compress_after_days', 'Compress readings after (days)'],
];
const INSTANCE_FIELDS = ['name', 'url', 'token', 'include', 'exclude'];

/**
 * @param {Settings} settings
 * @returns {SettingsForm}
 */
export function formOf(settings) {
  const { retention } = settings;
  return {
    currency: settings.currency,
    timezone: settings.timezone,
    retention: {
      raw_days: String(retention.raw_days),
      hourly_days: String(retention.hourly_days),
      daily_days: String(retention.daily_days),
      compress_after_days: String(retention.compress_after_days),
    },
    homeassistant: settings.homeassistant.map((instance) => ({
      name: instance.name,
      url: instance.url,
      include: instance.include.join(', '),
      exclude: instance.exclude.join(', '),
      token: '',
    })),
  };
}

/** @returns {InstanceForm} */
export function emptyInstance() {
  return { name: '', url: 'ws://homeassistant.local:8123/api/websocket', include: '', exclude: '', token: '' };
}

/**
 * Every field path the form shows, in its order (where the focus goes first).
 * @param {SettingsForm} form
 */
export function fieldPaths(form) {
  return [
    'currency',
    'timezone',
    ...RETENTION.map(([key]) => `retention.${key}`),
    'homeassistant',
    ...form.homeassistant.flatMap((_, index) => [`homeassistant[${index}]`, ...INSTANCE_FIELDS.map((field) => `homeassistant[${index}].${field}`)]),
  ];
}

/**
 * "sensor.a, sensor.b_*" → ['sensor.a', 'sensor.b_*'].
 * @param {string} text
 */
export function readPatterns(text) {
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

/**
 * The request body for FORM, or the errors (by field) that keep it from being one.
 * @param {SettingsForm} form
 * @returns {{ body: SettingsInput }|{ errors: Array<{ path: string, message: string }> }}
 */
export function bodyOf(form) {
  const errors = [];
  /** @type {Partial<Record<RetentionKey, number>>} */
  const days = {};
  for (const [key] of RETENTION) {
    const text = form.retention[key].trim();
    if (/^\d+$/.test(text)) days[key] = Number(text);
    else errors.push({ path: `retention.${key}`, message: `${text || 'nothing'} is not a whole number of days` });
  }
  if (errors.length > 0) return { errors };
  return {
    body: {
      currency: form.currency.trim(),
      timezone: form.timezone.trim(),
      retention: /** @type {Record<RetentionKey, number>} */ (days),
      homeassistant: form.homeassistant.map((instance) => {
        /** @type {CollectorInstanceInput} */
        const item = {
          name: instance.name.trim(),
          url: instance.url.trim(),
          include: readPatterns(instance.include),
          exclude: readPatterns(instance.exclude),
        };
        if (instance.token) item.token = instance.token;
        return item;
      }),
    },
  };
}

/**
 * What waits for a restart, in words: `['timezone', 'homeassistant[1]']` → ['the time zone', 'Home Assistant cabin'].
 * @param {string[]} paths
 * @param {Settings} settings
 */
export function restartLabels(paths, settings) {
  return paths.map((path) => {
    if (path === 'currency') return 'the currency';
    if (path === 'timezone') return 'the time zone';
    if (path === 'homeassistant') return 'a Home Assistant instance removed';
    const index = /^homeassistant\[(\d+)\]$/.exec(path);
    const instance = index ? settings.homeassistant[Number(index[1])] : undefined;
    return instance ? `Home Assistant ${instance.name}` : path;
  });
}
