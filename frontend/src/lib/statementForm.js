// The statement form: a paper bill as typed (amounts stay the text typed: the engine checks them
// exactly and names the field it refuses), and the API's body it becomes.

/** @typedef {import('./apiTypes.js').StatementLineIn} StatementLineIn */
/** @typedef {import('./apiTypes.js').StatementIn} StatementIn */

/**
 * @typedef {Object} LineForm
 * @property {StatementLineIn['kind']} kind
 * @property {string} name
 * @property {string} amount
 * @property {string} period '' for none
 * @property {string} tier '' for none
 * @property {string} kwh '' for none
 */
/**
 * @typedef {Object} StatementForm
 * @property {string} start
 * @property {string} end the day after the cycle
 * @property {string} total
 * @property {string} tariff '' for the active one
 * @property {LineForm[]} lines
 */

/** @type {Record<StatementLineIn['kind'], string>} */
export const LINE_KINDS = {
  energy: 'Energy',
  standing: 'Standing charge',
  demand: 'Demand',
  rider: 'Rider',
  tax: 'Tax',
  credit: 'Credit',
};

/** @returns {LineForm} */
export function emptyLine() {
  return { kind: 'energy', name: '', amount: '', period: '', tier: '', kwh: '' };
}

/** @returns {StatementForm} */
export function emptyStatement() {
  return { start: '', end: '', total: '', tariff: '', lines: [emptyLine()] };
}

/**
 * The request body of FORM: empty optional fields left out, a tier as a number where it is one.
 * @param {StatementForm} form
 * @returns {StatementIn}
 */
export function statementBody(form) {
  /** @type {StatementIn} */
  const body = { start: form.start.trim(), end: form.end.trim(), total: form.total.trim() };
  if (form.tariff) body.tariff = form.tariff;
  body.lines = form.lines.map((line) => {
    /** @type {StatementLineIn} */
    const made = { kind: line.kind, name: line.name.trim(), amount: line.amount.trim() };
    if (line.period.trim()) made.period = line.period.trim();
    // Not a whole number: sent as typed, for the engine to name the field.
    if (line.tier.trim()) made.tier = /** @type {number} */ (/^\d+$/.test(line.tier.trim()) ? Number(line.tier.trim()) : /** @type {unknown} */ (line.tier.trim()));
    if (line.kwh.trim()) made.kwh = line.kwh.trim();
    return made;
  });
  return body;
}

/**
 * The field paths of FORM, in the order shown: where the engine's messages go.
 * @param {StatementForm} form
 */
export function statementPaths(form) {
  const lines = form.lines.flatMap((_, index) => ['', '.kind', '.name', '.amount', '.period', '.tier', '.kwh'].map((key) => `lines[${index}]${key}`));
  return ['start', 'end', 'total', 'tariff', 'lines', ...lines];
}
