// The tariff editor's form is a view of the native definition itself: each input reads and writes
// one path of it, so what the form has no input for (and every field not touched) is saved as it
// was loaded. Values stay as typed unless they are plain numbers: the engine validates and reports
// each bad field by its path, so nothing is guessed here.

/**
 * The native definition, as the API document types it: a JSON mapping the engine validates.
 * @typedef {import('./apiTypes.js').TariffVersion['definition']} Definition
 */
/** A path into a definition: keys and list indexes. @typedef {Array<string|number>} Parts */
/**
 * An input for one key of an item. KIND: text (the default), number, months, select or checks
 * (of OPTIONS), bool, or list (of items with FIELDS).
 * @typedef {{ key: string, label: string, kind?: 'number'|'months'|'select'|'checks'|'bool'|'list', hint?: string,
 *   required?: boolean, default?: string|boolean, options?: string[], item?: string, fields?: Field[] }} InputField
 */
/** One of several keys (the first present is shown). @typedef {{ kind: 'choice', options: InputField[] }} ChoiceField */
/** @typedef {InputField|ChoiceField} Field */
/**
 * An editable list (or with SINGLE, one block) of the format at PATH; with COMMODITY, only a tariff
 * of that commodity has it (the form offers it there, or where a definition has it).
 * @typedef {{ path: string[], required?: boolean, single?: boolean, legend: string, item: string, fields: Field[],
 *   commodity?: string }} Section
 */

export const DAY_TYPES = ['all', 'weekday', 'weekend'];
export const PER = ['cycle', 'day', 'month'];
export const COMPONENTS = ['energy', 'surcharges', 'demand', 'fixed', 'export_credit', 'minimum'];
export const COMMODITIES = ['electricity', 'gas', 'water'];
export const UNITS = ['kWh', 'm³'];

/** @type {InputField[]} */
const TIER_FIELDS = [
  { key: 'up_to', label: 'Up to (kWh)', kind: 'number', hint: 'empty: the rest' },
  { key: 'price', label: 'Price per kWh', kind: 'number', required: true },
];

/** The editable lists and blocks of the format, by path; `fields` are the inputs of each item. */
/** @type {Section} */
export const PERIODS = {
  path: ['energy', 'periods'],
  required: true,
  legend: 'Time-of-use periods (the first rule that matches an hour wins)',
  item: 'Period',
  fields: [
    { key: 'name', label: 'Name', required: true },
    { key: 'months', label: 'Months', kind: 'months', hint: 'e.g. 6, 7, 8; empty: all' },
    { key: 'days', label: 'Days', kind: 'select', options: DAY_TYPES, default: 'all' },
    { key: 'start', label: 'From', hint: 'HH:MM', default: '00:00' },
    { key: 'end', label: 'To', hint: 'HH:MM', default: '24:00' },
    {
      kind: 'choice',
      options: [
        { key: 'price', label: 'Price per kWh', kind: 'number', required: true },
        { key: 'tiers', label: 'Tiers', kind: 'list', item: 'Tier', fields: TIER_FIELDS, required: true },
      ],
    },
  ],
};

/** @type {Section[]} */
export const SECTIONS = [
  {
    path: ['surcharges'],
    legend: 'Surcharges per kWh',
    item: 'Surcharge',
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'per_kwh', label: 'Amount per kWh', kind: 'number', required: true },
      { key: 'basis', label: 'Charged on', kind: 'select', options: ['import', 'net'], default: 'import' },
    ],
  },
  {
    path: ['fixed'],
    legend: 'Fixed charges',
    item: 'Fixed charge',
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'amount', label: 'Amount', kind: 'number', required: true },
      { key: 'per', label: 'Per', kind: 'select', options: PER, default: 'cycle' },
    ],
  },
  {
    path: ['taxes'],
    legend: 'Taxes (in order: a compounding tax also taxes the taxes above it)',
    item: 'Tax',
    fields: [
      { key: 'name', label: 'Name', required: true },
      { key: 'percent', label: 'Percent', kind: 'number', required: true },
      { key: 'components', label: 'On', kind: 'checks', options: COMPONENTS },
      { key: 'negative', label: 'Also on a negative base (a credit)', kind: 'bool', default: true },
      { key: 'compound', label: 'Compound on the taxes above', kind: 'bool', default: false },
    ],
  },
  {
    path: ['minimum'],
    single: true,
    legend: 'Minimum bill',
    item: 'Minimum bill',
    fields: [
      { key: 'amount', label: 'Amount', kind: 'number', required: true },
      { key: 'per', label: 'Per', kind: 'select', options: PER, default: 'cycle' },
      { key: 'compare', label: 'Compared with the charges', kind: 'select', options: ['after_credit', 'before_credit'], default: 'after_credit' },
      { key: 'excess_credit', label: 'Unused export credit', kind: 'select', options: ['forfeit', 'carry'], default: 'forfeit' },
    ],
  },
  {
    path: ['conversion'],
    commodity: 'gas',
    legend: 'Gas: m³ to kWh (as the bill states it; a tariff per kWh)',
    item: 'Conversion period',
    fields: [
      { key: 'from', label: 'From', hint: 'YYYY-MM-DD', required: true },
      { key: 'calorific_value', label: 'Calorific value (MJ/m³)', kind: 'number', required: true },
      { key: 'volume_correction', label: 'Volume correction', kind: 'number', hint: 'empty: 1' },
    ],
  },
  {
    path: ['sewage'],
    single: true,
    commodity: 'water',
    legend: 'Sewage',
    item: 'Sewage charge',
    fields: [
      { key: 'name', label: 'Name', default: 'sewage' },
      { key: 'price', label: 'Price per m³', kind: 'number', required: true },
      { key: 'share', label: 'Share of the water volume', kind: 'number', hint: 'above 0, at most 1; empty: 1' },
    ],
  },
];

const TOP_FIELDS = ['name', 'commodity', 'unit', 'currency', 'timezone', 'cycle_day'];
const ENERGY_FIELDS = new Set(['price', 'periods']);

/** A new tariff in the engine's zone and currency. */
export function newDefinition(timezone = 'UTC', currency = 'EUR') {
  return { name: '', currency, timezone, energy: { price: '' } };
}

/**
 * What DEFINITION's prices are per without a `unit`, as the engine reads it: kWh for electricity
 * and for gas with a conversion, else m³.
 * @param {Definition} definition
 */
export function defaultUnit(definition) {
  const commodity = definition.commodity ?? 'electricity';
  return commodity === 'electricity' || (commodity === 'gas' && definition.conversion !== undefined) ? 'kWh' : 'm³';
}

/**
 * Whether the form offers SECTION for DEFINITION: every tariff's, its commodity's, or one it has.
 * @param {Section} section
 * @param {Definition} definition
 */
export function offered(section, definition) {
  return !section.commodity || section.commodity === (definition.commodity ?? 'electricity') || getIn(definition, section.path) !== undefined;
}

/**
 * The value at PARTS of VALUE (undefined where the path is missing).
 * @param {unknown} value
 * @param {Parts} parts
 * @returns {unknown}
 */
export function getIn(value, parts) {
  return parts.reduce((node, part) => (node === undefined || node === null ? undefined : /** @type {Record<string|number, unknown>} */ (node)[part]), value);
}

/**
 * A copy of VALUE with PARTS set to NEXT (undefined removes the key; a list item is replaced).
 * @param {unknown} value
 * @param {Parts} parts
 * @param {unknown} next
 * @returns {unknown}
 */
export function setIn(value, parts, next) {
  if (parts.length === 0) return next;
  const [part, ...rest] = parts;
  const node = /** @type {Record<string|number, unknown>} */ (value ?? (typeof part === 'number' ? [] : {}));
  const copy = /** @type {Record<string|number, unknown>} */ (Array.isArray(node) ? [...node] : { ...node });
  const child = setIn(node[part], rest, next);
  if (child === undefined && !Array.isArray(copy)) delete copy[part];
  else copy[part] = child;
  return copy;
}

/**
 * The text of a value for an input.
 * @param {unknown} value
 */
export function text(value) {
  return value === undefined || value === null ? '' : String(value);
}

/**
 * Typed text: a plain number whose text it is ("15", "0.2") as a number, else the text ("0.10", "0,27").
 * @param {string} typed
 */
export function numberOrText(typed) {
  const trimmed = typed.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(trimmed) && String(Number(trimmed)) === trimmed ? Number(trimmed) : trimmed;
}

/**
 * "1, 2,3" → [1, 2, 3]; an entry that is no whole number is kept for the engine to name.
 * @param {string} typed
 */
export function parseMonths(typed) {
  const items = typed.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) return undefined;
  return items.map((item) => (/^\d+$/.test(item) ? Number(item) : item));
}

/** @param {unknown} months */
export function formatMonths(months) {
  return Array.isArray(months) ? months.join(', ') : text(months);
}

/**
 * A new item of a section: its required fields, empty for the engine to ask for.
 * @param {Field[]} fields
 */
export function newItem(fields) {
  /** @type {Record<string, unknown>} */
  const item = {};
  for (const field of fields) {
    if (field.kind === 'choice') Object.assign(item, newItem([field.options[0]]));
    else if (field.required) item[field.key] = field.kind === 'list' ? [newItem(/** @type {Field[]} */ (field.fields))] : '';
  }
  return item;
}

/**
 * The option of a choice field the item uses (the first one present, else the first).
 * @param {ChoiceField} field
 * @param {unknown} item
 */
export function chosen(field, item) {
  return field.options.find((option) => /** @type {Record<string, unknown>|null|undefined} */ (item)?.[option.key] !== undefined) ?? field.options[0];
}

/** @param {Parts} parts */
function joinParts(parts) {
  return parts.reduce((/** @type {string} */ path, part) => (typeof part === 'number' ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/**
 * @param {Field[]} fields
 * @param {unknown} item
 * @param {Parts} base
 * @returns {string[]}
 */
function itemPaths(fields, item, base) {
  const paths = [joinParts(base)];
  for (const field of fields) {
    const shown = field.kind === 'choice' ? chosen(field, item) : field;
    const parts = [...base, shown.key];
    if (shown.kind === 'list') paths.push(...listPaths(/** @type {Field[]} */ (shown.fields), getIn(item, [shown.key]), parts));
    else paths.push(joinParts(parts));
  }
  return paths;
}

/**
 * @param {Field[]} fields
 * @param {unknown} items
 * @param {Parts} base
 * @returns {string[]}
 */
function listPaths(fields, items, base) {
  const paths = [joinParts(base)];
  (Array.isArray(items) ? items : []).forEach((item, index) => paths.push(...itemPaths(fields, item, [...base, index])));
  return paths;
}

/**
 * Whether the energy is priced by periods (else one price).
 * @param {Definition} definition
 */
export function byPeriods(definition) {
  return definition.energy?.periods !== undefined;
}

/**
 * The paths the form has an input (or a row) for: the engine's messages are shown there.
 * @param {Definition} definition
 */
export function formPaths(definition) {
  const paths = [...TOP_FIELDS, 'energy'];
  if (byPeriods(definition)) paths.push(...listPaths(PERIODS.fields, definition.energy.periods, PERIODS.path));
  else paths.push('energy.price');
  for (const section of SECTIONS) {
    const value = getIn(definition, section.path);
    if (section.single) paths.push(...(value === undefined ? [] : itemPaths(section.fields, value, section.path)));
    else paths.push(...listPaths(section.fields, value, section.path));
  }
  return paths;
}

/**
 * The fields of DEFINITION the form has no inputs for (edited as YAML): `demand`, `energy.tiers`, …
 * @param {Definition} definition
 */
export function yamlOnly(definition) {
  const form = new Set([...TOP_FIELDS, 'energy', ...SECTIONS.map((section) => section.path[0])]);
  const top = Object.keys(definition).filter((key) => !form.has(key));
  const energy = Object.keys(definition.energy ?? {}).filter((key) => !ENERGY_FIELDS.has(key)).map((key) => `energy.${key}`);
  return [...top, ...energy];
}
