import { describe, expect, it } from 'vitest';
import { billLines, fromCents, toCents } from '../src/lib/bill.js';

const cycle = (overrides) => ({
  energy: [{ period: 'peak', tier: 1, kwh: '10.000', cost: '3.00' }, { period: 'off', tier: 1, kwh: '5.000', cost: '1.01' }],
  surcharges: [{ name: 'grid levy', kwh: '15.000', per_kwh: '0.02', amount: '0.30' }],
  demand: [],
  fixed: [{ name: 'meter', amount: '9.50' }],
  export_credit: '0.75',
  carried_credit: '0.00',
  unused_credit: '0.00',
  minimum: '0.00',
  taxes: [{ name: 'VAT', base: '13.06', percent: '19', amount: '2.48' }],
  rounding: '0.01',
  total: '15.55',
  ...overrides,
});

describe('bill lines', () => {
  it('adds cents exactly, negative amounts too', () => {
    expect(toCents('12.3')).toBe(1230);
    expect(toCents('-0.05')).toBe(-5);
    expect(toCents('7')).toBe(700);
    expect(fromCents(-5)).toBe('-0.05');
    expect(fromCents(123456)).toBe('1234.56');
  });

  it('sums each line over the cycles, and the lines add up to the total', () => {
    const bill = { cycles: [cycle(), cycle({ rounding: '0.00', total: '15.54' })], rounding: '0.00', total: '31.09' };
    const lines = billLines(bill);
    expect(lines).toEqual([
      { label: 'Energy', amount: '8.02' },
      { label: 'grid levy', amount: '0.60' },
      { label: 'meter', amount: '19.00' },
      { label: 'Export credit', amount: '-1.50' },
      { label: 'VAT (19 %)', amount: '4.96' },
      { label: 'Rounding', amount: '0.01' },
    ]);
    expect(fromCents(lines.reduce((sum, line) => sum + toCents(line.amount), 0))).toBe(bill.total);
  });
});
