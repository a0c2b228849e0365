// A bill's lines added up over its cycles, so that a total on the page is explained by what it
// is made of (energy, each surcharge and tax, …). Amounts are the engine's cent strings and are
// added as whole cents: the lines add up to the total exactly, the engine's rounding lines included.

/**
 * "-12.3" → -1230 cents.
 * @param {string} amount
 */
export function toCents(amount) {
  const [whole, fraction = ''] = amount.replace('-', '').split('.');
  const cents = Number(whole) * 100 + Number(fraction.padEnd(2, '0').slice(0, 2));
  return amount.startsWith('-') ? -cents : cents;
}

/** @param {number} cents */
export function fromCents(cents) {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * The lines of BILL (the engine's bill JSON) by name, summed over its cycles; lines that are zero left out.
 * @param {import('./apiTypes.js').Bill} bill
 */
export function billLines(bill) {
  /** @type {Map<string, number>} */
  const lines = new Map();
  /** @type {(label: string, amount: string, sign?: number) => void} */
  const add = (label, amount, sign = 1) => lines.set(label, (lines.get(label) ?? 0) + sign * toCents(amount));
  for (const cycle of bill.cycles) {
    for (const line of cycle.energy) add('Energy', line.cost);
    for (const line of cycle.surcharges) add(line.name, line.amount);
    for (const line of cycle.demand) add(`Demand: ${line.name}`, line.cost);
    for (const line of cycle.fixed) add(line.name, line.amount);
    add('Export credit', cycle.export_credit, -1);
    add('Credit carried in', cycle.carried_credit, -1);
    add('Credit not used', cycle.unused_credit);
    add('Minimum bill', cycle.minimum);
    for (const line of cycle.taxes) add(line.percent === null ? line.name : `${line.name} (${line.percent} %)`, line.amount);
    add('Rounding', cycle.rounding);
  }
  add('Rounding', bill.rounding);
  return [...lines].filter(([, cents]) => cents !== 0).map(([label, cents]) => ({ label, amount: fromCents(cents) }));
}
