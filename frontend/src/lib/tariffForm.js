// The tariff editor's form and the native definition it stands for. Field values stay text:
// the engine validates and reports each bad field by its path, so nothing is guessed here.

const FORM_KEYS = new Set(['name', 'currency', 'timezone', 'cycle_day', 'energy', 'fixed']);
const ENERGY_FORM_KEYS = new Set(['price', 'periods']);
export const DAY_TYPES = ['all', 'weekday', 'weekend'];
export const PER = ['cycle', 'day', 'month'];

export function emptyPeriod() {
  return { name: '', months: '', days: 'all', start: '00:00', end: '24:00', price: '', tiers: null };
}

export function newForm(timezone = 'UTC', currency = 'EUR') {
  return {
    name: '',
    currency,
    timezone,
    cycle_day: '1',
    energyMode: 'flat',
    price: '',
    periods: [emptyPeriod()],
    fixed: [],
    extra: {},
    energyExtra: {},
  };
}

function text(value) {
  return value === undefined || value === null ? '' : String(value);
}

function integerOrText(value) {
  const trimmed = value.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : trimmed;
}

/** "1, 2,3" → [1, 2, 3]; an entry that is no whole number is kept for the engine to name. */
export function parseMonths(value) {
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  return trimmed.split(',').map((item) => integerOrText(item));
}

function period(row) {
  const rule = { name: row.name.trim() };
  const months = parseMonths(row.months);
  if (months !== undefined) rule.months = months;
  rule.days = row.days;
  rule.start = row.start.trim();
  rule.end = row.end.trim();
  if (row.tiers) rule.tiers = row.tiers;
  else if (row.price.trim() !== '') rule.price = row.price.trim();
  return rule;
}

/** Build the native definition the form describes. */
export function toDefinition(form) {
  const energy = { ...form.energyExtra };
  if (form.energyMode === 'flat') {
    if (form.price.trim() !== '') energy.price = form.price.trim();
  } else {
    energy.periods = form.periods.map(period);
  }
  const definition = {
    ...form.extra,
    name: form.name.trim(),
    currency: form.currency.trim(),
    timezone: form.timezone.trim(),
    cycle_day: integerOrText(form.cycle_day),
    energy,
  };
  if (form.fixed.length > 0) {
    definition.fixed = form.fixed.map((charge) => ({
      name: charge.name.trim(),
      amount: charge.amount.trim(),
      per: charge.per,
    }));
  }
  return definition;
}

/** Fill a form from a native definition; the fields it has no input for are kept as they are. */
export function fromDefinition(definition) {
  const extra = Object.fromEntries(Object.entries(definition).filter(([key]) => !FORM_KEYS.has(key)));
  const energy = definition.energy ?? {};
  const energyExtra = Object.fromEntries(
    Object.entries(energy).filter(([key]) => !ENERGY_FORM_KEYS.has(key)),
  );
  const periods = Array.isArray(energy.periods)
    ? energy.periods.map((rule) => ({
        name: text(rule.name),
        months: Array.isArray(rule.months) ? rule.months.join(', ') : '',
        days: rule.days ?? 'all',
        start: text(rule.start ?? '00:00'),
        end: text(rule.end ?? '24:00'),
        price: text(rule.price),
        tiers: rule.tiers ?? null,
      }))
    : [emptyPeriod()];
  return {
    name: text(definition.name),
    currency: text(definition.currency),
    timezone: text(definition.timezone),
    cycle_day: text(definition.cycle_day ?? 1),
    energyMode: Array.isArray(energy.periods) ? 'periods' : 'flat',
    price: text(energy.price),
    periods,
    fixed: (definition.fixed ?? []).map((charge) => ({
      name: text(charge.name),
      amount: text(charge.amount),
      per: charge.per ?? 'cycle',
    })),
    extra,
    energyExtra,
  };
}

/** The paths of the fields the form renders, where validation messages are shown. */
export function fieldPaths(form) {
  const paths = ['name', 'currency', 'timezone', 'cycle_day', 'energy', 'fixed'];
  if (form.energyMode === 'flat') paths.push('energy.price');
  else {
    paths.push('energy.periods');
    form.periods.forEach((_, index) => {
      const base = `energy.periods[${index}]`;
      paths.push(base, ...['name', 'months', 'days', 'start', 'end', 'price'].map((f) => `${base}.${f}`));
    });
  }
  form.fixed.forEach((_, index) => {
    const base = `fixed[${index}]`;
    paths.push(base, `${base}.name`, `${base}.amount`, `${base}.per`);
  });
  return paths;
}
