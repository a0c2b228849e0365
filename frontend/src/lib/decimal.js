// Exact sums of the engine's decimal texts ("-12.3456"): added as BigInts scaled to the longest
// fraction, so a table's total is the sum of its cells to the last digit the engine wrote.

/**
 * "-12.345" → { units: -12345n, places: 3 }.
 * @param {string} text
 */
function parse(text) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) throw new Error(`${text} is not an exact decimal`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign ? -units : units, places: fraction.length };
}

/**
 * UNITS at PLACES decimals, written as the engine writes amounts (no trailing zeros, "0" for zero).
 * @param {bigint} units
 * @param {number} places
 */
function write(units, places) {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  const text = fraction ? `${whole}.${fraction}` : whole;
  return negative && text !== '0' ? `-${text}` : text;
}

/**
 * The exact sum of decimal texts.
 * @param {Iterable<string>} amounts
 */
export function sum(amounts) {
  const parsed = [...amounts].map(parse);
  const places = Math.max(0, ...parsed.map((each) => each.places));
  const total = parsed.reduce((acc, each) => acc + each.units * 10n ** BigInt(places - each.places), 0n);
  return write(total, places);
}

/**
 * A minus B, exactly.
 * @param {string} a
 * @param {string} b
 */
export function subtract(a, b) {
  return sum([a, b.startsWith('-') ? b.slice(1) : `-${b}`]);
}
