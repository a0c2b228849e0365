import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorsAtLines, readYaml, toYaml } from '../src/lib/tariffYaml.js';

const EVERY_FIELD = JSON.parse(readFileSync(new URL('./fixtures/every-field.json', import.meta.url), 'utf8'));

/** The 1-based line of TEXT that contains NEEDLE (the first after line FROM). */
function lineOf(text, needle, from = 0) {
  return text.split('\n').findIndex((line, index) => index >= from && line.includes(needle)) + 1;
}

describe('the native format as YAML', () => {
  it('round-trips a definition with every field exactly', () => {
    const text = toYaml(EVERY_FIELD);
    const read = readYaml(text);
    expect(read.errors).toEqual([]);
    expect(read.definition).toEqual(EVERY_FIELD);
  });

  it('quotes what YAML 1.1 (the engine reading files) would read otherwise', () => {
    const text = toYaml({ name: 'off', start: '16:00', day: '2026-12-24', price: '0.50', n: 0.5 });
    expect(text).toContain('name: "off"');
    expect(text).toContain('start: "16:00"');
    expect(text).toContain('price: "0.50"');
    expect(text).toContain(': 0.5');
  });

  it('reads unquoted times and dates as text, and off as false for the engine to name', () => {
    const read = readYaml('name: off\nholidays:\n  dates: [2026-12-24]\nenergy:\n  periods:\n    - {name: a, end: 16:00, price: 0.2}\n');
    expect(read.definition).toEqual({ name: false, holidays: { dates: ['2026-12-24'] }, energy: { periods: [{ name: 'a', end: '16:00', price: 0.2 }] } });
  });

  it('gives syntax errors their line and column', () => {
    const read = readYaml('name: x\nenergy: [1, 2\ntaxes: : y\n');
    expect(read.definition).toBeNull();
    expect(read.errors.length).toBeGreaterThan(0);
    expect(read.errors[0].line).toBeGreaterThanOrEqual(2);
    expect(read.errors[0].column).toBeGreaterThanOrEqual(1);
  });
});

describe('errorsAtLines', () => {
  const text = toYaml(EVERY_FIELD);

  it('puts an error at the line and column of its value', () => {
    const [error] = errorsAtLines(text, [{ path: 'taxes[1].percent', message: 'expected a number' }]);
    const line = lineOf(text, 'percent: 19');
    expect(error).toEqual({ path: 'taxes[1].percent', message: 'expected a number', line, column: text.split('\n')[line - 1].indexOf('19') + 1 });
  });

  it('finds nested list items and flow mappings', () => {
    const written = 'name: t\nenergy:\n  periods:\n    - {name: a, end: "16:00", price: 0.2}\n    - name: b\n      tiers:\n        - {up_to: -1, price: 1}\n';
    const [inFlow, inTier] = errorsAtLines(written, [
      { path: 'energy.periods[0].end', message: 'x' },
      { path: 'energy.periods[1].tiers[0].up_to', message: 'must be positive' },
    ]);
    expect([inFlow.line, inFlow.column]).toEqual([4, 22]);
    expect([inTier.line, inTier.column]).toEqual([7, 19]);
  });

  it('puts a missing field at the closest enclosing one, the root at line 1', () => {
    const written = 'name: t\ntaxes:\n  - name: VAT\n';
    const [missing, root, none] = errorsAtLines(written, [
      { path: 'taxes[0].percent', message: 'required key not provided' },
      { path: 'tariff', message: 'x' },
      { path: '', message: 'y' },
    ]);
    expect([missing.line, missing.column]).toEqual([3, 5]);
    expect(root.line).toBe(1);
    expect(none.line).toBe(1);
  });

  it('puts a key whose value is missing at the key', () => {
    const [error] = errorsAtLines('name: t\nenergy:\n  price:\n', [{ path: 'energy.price', message: 'expected a number' }]);
    expect([error.line, error.column]).toEqual([3, 3]);
  });
});
