// The rows of the overview's ledger: each part, and under electricity its grid connections when
// one of them has a tariff of its own (the part is then their exact sum, as the engine says).

/** @typedef {import('./apiTypes.js').LedgerPart} LedgerPart */
/** @typedef {import('./apiTypes.js').LedgerConnection} LedgerConnection */

/**
 * @typedef {Object} LedgerRow
 * @property {string} key
 * @property {LedgerPart['commodity']} commodity
 * @property {string|null} connection a grid connection's id; null: a part's row
 * @property {string|null} tariff
 * @property {string} today
 * @property {string} month
 * @property {string} cycle_so_far
 * @property {string|null} projected
 * @property {string|null} cycle_start a connection's own cycle's first day
 */

/**
 * Return the ledger's rows: its parts in order, electricity's grid connections after it.
 * @param {LedgerPart[]} parts
 * @returns {LedgerRow[]}
 */
export function ledgerRows(parts) {
  /** @type {LedgerRow[]} */
  const rows = [];
  for (const part of parts) {
    const { commodity, tariff, today, month, cycle_so_far, projected } = part;
    rows.push({ key: commodity, commodity, connection: null, tariff, today, month, cycle_so_far, projected, cycle_start: part.cycle_start });
    const connections = part.connections ?? [];
    // Only the active tariff's meters: the part's row says it all.
    if (!connections.some((each) => each.connection !== null)) continue;
    for (const each of connections) {
      rows.push({
        key: `${commodity}:${each.connection ?? ''}`,
        commodity,
        connection: each.connection,
        tariff: each.tariff,
        today: each.today,
        month: each.month,
        cycle_so_far: each.cycle_so_far,
        projected: each.projected,
        cycle_start: each.cycle_start,
      });
    }
  }
  return rows;
}
