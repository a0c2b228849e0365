// CSV files of what a table shows (RFC 4180: comma separated, CRLF line ends, a field quoted
// when it holds a comma, quote or line break), written and downloaded in the browser.

/**
 * One field, quoted where it needs to be.
 * @param {string|number|null} value null is an empty field
 */
function field(value) {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The CSV text of HEADER and ROWS.
 * @param {string[]} header
 * @param {Array<Array<string|number|null>>} rows
 */
export function toCsv(header, rows) {
  return [header, ...rows].map((row) => row.map(field).join(',')).join('\r\n').concat('\r\n');
}

/**
 * Offer TEXT as a download named NAME.
 * @param {string} name
 * @param {string} text
 */
export function downloadCsv(name, text) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Released after the click has started the download.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
