import { describe, expect, it } from 'vitest';
import { subtract, sum } from '../src/lib/decimal.js';

describe('exact decimals', () => {
  it('adds texts of different scales to the last digit, as the engine writes them', () => {
    expect(sum(['0.1', '0.2'])).toBe('0.3'); // 0.30000000000000004 as doubles
    expect(sum(['1.0000000001', '2', '-0.5'])).toBe('2.5000000001');
    expect(sum(['12.5', '-12.5'])).toBe('0');
    expect(sum([])).toBe('0');
    expect(sum(['-0.05', '0.01'])).toBe('-0.04');
    expect(sum(['123456789012345678.91', '0.09'])).toBe('123456789012345679');
  });

  it('subtracts, negative results and operands too', () => {
    expect(subtract('10', '12.25')).toBe('-2.25');
    expect(subtract('-1', '-1.5')).toBe('0.5');
    expect(subtract('0', '0.75')).toBe('-0.75');
  });

  it('refuses what is not an exact decimal', () => {
    expect(() => sum(['1e3'])).toThrow('1e3 is not an exact decimal');
    expect(() => sum(['1,5'])).toThrow('not an exact decimal');
  });
});
