import { describe, expect, it } from 'vitest';
import { toCsv } from '../src/lib/csv.js';

describe('CSV', () => {
  it('writes a header and rows, CRLF ended, quoting only what needs it', () => {
    const text = toCsv(['component (USD)', 'a, b'], [['Tax "VAT"', '1.5'], ['Line\nbreak', null], ['plain', 2]]);
    expect(text).toBe('component (USD),"a, b"\r\n"Tax ""VAT""",1.5\r\n"Line\nbreak",\r\nplain,2\r\n');
  });

  it('keeps amounts as the exact texts given', () => {
    expect(toCsv(['cost'], [['0.123456789']])).toBe('cost\r\n0.123456789\r\n');
  });
});
