// The native tariff as YAML text, and where in that text each of the engine's error paths is.
// The engine reads tariff files with YAML 1.1 (PyYAML): the page writes text that means the same
// there (`"off"`, `"16:00"` quoted), and reads it as 1.1 except that unquoted times and dates stay
// text (the format has no sexagesimal numbers or timestamps, only HH:MM and YYYY-MM-DD strings).

import { isMap, isPair, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import { splitPath } from './validation.js';

/** @type {import('yaml').DocumentOptions & import('yaml').ToStringOptions} */
const WRITE = { version: '1.1', lineWidth: 0 };
/** @type {import('yaml').ParseOptions & import('yaml').DocumentOptions & import('yaml').SchemaOptions} */
const READ = {
  version: '1.1',
  // The schema's own tags are objects (tag names only come from lists passed in).
  customTags: (tags) => /** @type {Array<import('yaml').ScalarTag|import('yaml').CollectionTag>} */ (tags).filter((tag) => tag.tag !== 'tag:yaml.org,2002:timestamp' && tag.format !== 'TIME'),
};

/**
 * The definition as YAML text.
 * @param {unknown} definition
 */
export function toYaml(definition) {
  return stringify(definition, WRITE);
}

/**
 * Read YAML TEXT: `{ definition, errors, locate }`. `errors` are the syntax errors with their
 * 1-based line and column; `locate(path)` gives where an engine path is in the text.
 * @param {string} text
 */
export function readYaml(text) {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { ...READ, lineCounter, prettyErrors: false });
  const errors = doc.errors.map((error) => {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    return { path: '', line, column: col, message: error.message };
  });
  const definition = errors.length === 0 ? doc.toJS() : null;
  return { definition, errors, locate: (/** @type {string} */ path) => locate(doc, lineCounter, path) };
}

/**
 * Where PATH (`taxes[0].percent`) is: its value's line and column, or its key's for a map key;
 * for a path not in the text (a missing field), the closest enclosing one. Line 1 for the root.
 * @param {import('yaml').Document.Parsed} doc
 * @param {LineCounter} lineCounter
 * @param {string} path
 */
function locate(doc, lineCounter, path) {
  let node = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (const part of splitPath(path)) {
    const child = childAt(node, part);
    if (!child) break;
    offset = child.offset;
    node = child.node;
  }
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}

/**
 * In a parsed document every key and value is a node (or null); a key's `value` is a scalar's.
 * @typedef {import('yaml').ParsedNode & { value?: unknown }} ParsedNode
 * @typedef {import('yaml').Pair<ParsedNode|null, ParsedNode|null>} ParsedPair
 */

/**
 * The node at PART of NODE and its offset, or null when NODE has none.
 * @param {unknown} node
 * @param {string|number} part
 * @returns {{ node: ParsedNode|null, offset: number }|null}
 */
function childAt(node, part) {
  if (isSeq(node) && typeof part === 'number') {
    const item = /** @type {ParsedNode|undefined} */ (node.items[part]);
    return item?.range ? { node: item, offset: item.range[0] } : null;
  }
  if (!isMap(node)) return null;
  const pair = /** @type {ParsedPair[]} */ (node.items).find((item) => isPair(item) && String(item.key?.value ?? item.key) === String(part));
  if (!pair) return null;
  // A key without a value (an empty null) is shown at the key.
  const range = pair.value?.range;
  const value = range && range[1] > range[0] ? pair.value : null;
  return { node: value, offset: /** @type {ParsedNode} */ (value ?? pair.key).range[0] }; // matched by its key
}

/**
 * The engine's errors ({path, message}) with the line and column of each path in TEXT.
 * @template {{ path?: string|null, message: string }} E
 * @param {string} text
 * @param {E[]} engineErrors
 */
export function errorsAtLines(text, engineErrors) {
  const { locate: where } = readYaml(text);
  return engineErrors.map((error) => ({ ...error, ...where(error.path ?? '') }));
}
