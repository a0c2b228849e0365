// The budget form: what the user types, and the engine's budget it becomes. Amounts stay the
// text typed (the engine checks them, exactly); thresholds are typed as "50, 80, 100".

/** @typedef {import('./apiTypes.js').StoredBudget} StoredBudget */
/** @typedef {import('./apiTypes.js').BudgetInput} BudgetInput */

/**
 * @typedef {Object} BudgetForm
 * @property {string} name
 * @property {StoredBudget['scope']} scope
 * @property {string} device_id the id as text; '' for none
 * @property {StoredBudget['period']} period
 * @property {string} amount
 * @property {string} thresholds
 */

export const SCOPES = /** @type {const} */ ({
  household: "The household's electricity",
  gas: "The household's gas",
  water: "The household's water",
  device: 'One device',
  cloud_account: 'One cloud account',
  cloud_total: 'All cloud accounts',
});
export const PERIODS = /** @type {const} */ ({ day: 'Day', month: 'Month', billing_cycle: 'Billing cycle' });
export const FIELDS = ['name', 'scope', 'device_id', 'period', 'amount', 'thresholds'];
const DEVICE_SCOPES = new Set(['device', 'cloud_account']);

/** @returns {BudgetForm} */
export function emptyForm() {
  return { name: '', scope: 'household', device_id: '', period: 'month', amount: '', thresholds: '50, 80, 100' };
}

/**
 * @param {StoredBudget} budget
 * @returns {BudgetForm}
 */
export function formOf(budget) {
  return {
    name: budget.name,
    scope: budget.scope,
    device_id: budget.device_id === null ? '' : String(budget.device_id),
    period: budget.period,
    amount: budget.amount,
    thresholds: budget.thresholds.join(', '),
  };
}

/** @param {string} scope */
export function needsDevice(scope) {
  return DEVICE_SCOPES.has(scope);
}

/**
 * Read "50, 80, 100" (commas, spaces or semicolons between, an optional % after each).
 * @param {string} text
 * @returns {{ values: number[] }|{ error: string }}
 */
export function readThresholds(text) {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return { error: 'give one or more percents, like 50, 80, 100' };
  const values = [];
  for (const part of parts) {
    const match = /^(\d+)%?$/.exec(part);
    if (!match) return { error: `${part} is not a whole percent` };
    values.push(Number(match[1]));
  }
  return { values };
}

/**
 * The request body for FORM, or the errors (by field) that keep it from being one. Thresholds
 * that are not numbers are refused here; their range and order, and everything else, the engine
 * checks, naming the field.
 * @param {BudgetForm} form
 * @returns {{ body: BudgetInput }|{ errors: Array<{ path: string, message: string }> }}
 */
export function bodyOf(form) {
  const thresholds = readThresholds(form.thresholds);
  if ('error' in thresholds) return { errors: [{ path: 'thresholds', message: thresholds.error }] };
  if (needsDevice(form.scope) && form.device_id === '') {
    const what = form.scope === 'device' ? 'device' : 'cloud account';
    return { errors: [{ path: 'device_id', message: `choose the ${what}` }] };
  }
  return {
    body: {
      name: form.name,
      scope: form.scope,
      device_id: needsDevice(form.scope) ? Number(form.device_id) : null,
      period: form.period,
      amount: form.amount.trim(),
      thresholds: thresholds.values,
    },
  };
}

/**
 * The share of its amount a budget has spent, in percent (null when unknown or the amount is 0).
 * @param {string|null} spent
 * @param {string} amount
 */
export function percentSpent(spent, amount) {
  if (spent === null || !(Number(amount) > 0)) return null;
  return (100 * Number(spent)) / Number(amount);
}
