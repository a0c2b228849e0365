import { describe, expect, it } from 'vitest';
import {
  billComponents, componentStack, energyByPeriodAndTier, rangeErrors, spendBy, weekStart, yearBefore, yearOverYear,
} from '../src/lib/analysis.js';
import { localMidnight } from '../src/lib/zone.js';

const ZONE = 'America/New_York';
/** A day row of `GET /api/v1/costs` for local DATE. */
const day = (date, cost, extra = {}) => ({ start: localMidnight(date, ZONE), energy_kwh: 1, cost, carbon_kg: null, ...extra });

describe('spend by day, week, month and cycle', () => {
  const rows = [
    day('2026-03-07', '1.10', { device_id: 1 }), day('2026-03-07', '0.25', { device_id: null }),
    day('2026-03-08', '2.2', { device_id: 1 }), // the day the clocks go forward: 23 hours
    day('2026-03-09', '0.000001', { device_id: 2 }),
    day('2026-04-01', '5', { device_id: 1 }),
  ];
  const names = new Map([[1, 'Heat pump'], [2, 'Fridge']]);

  it('groups local days into weeks from Monday, across the clock change, exactly', () => {
    const spend = spendBy(rows, { zone: ZONE, by: 'week', split: 'total', from: '2026-03-07', to: '2026-04-01' });
    expect(spend.buckets).toEqual([
      { key: '2026-03-02', first: '2026-03-07', last: '2026-03-08' }, // the week clipped to the range
      { key: '2026-03-09', first: '2026-03-09', last: '2026-03-15' },
      { key: '2026-03-30', first: '2026-03-30', last: '2026-04-01' },
    ]);
    expect(spend.totals).toEqual(['3.55', '0.000001', '5']);
    expect(spend.total).toBe('8.550001');
  });

  it('splits by device, the largest first, the rest of the house named', () => {
    const spend = spendBy(rows, { zone: ZONE, by: 'month', split: 'device', from: '2026-03-01', to: '2026-04-30', names });
    expect(spend.buckets.map((bucket) => bucket.key)).toEqual(['2026-03', '2026-04']);
    expect(spend.series.map((entry) => [entry.name, entry.amounts, entry.total])).toEqual([
      ['Heat pump', ['3.3', '5'], '8.3'],
      ['Rest of the house', ['0.25', '0'], '0.25'],
      ['Fridge', ['0.000001', '0'], '0.000001'],
    ]);
    expect(spend.totals).toEqual(['3.550001', '5']);
  });

  it('groups days into the billing cycles given, and by TOU period', () => {
    const periods = [day('2026-03-16', '1', { period: 'peak' }), day('2026-03-17', '2', { period: 'night' }), day('2026-04-20', '4', { period: 'peak' })];
    const cycles = [{ start: '2026-03-17', end: '2026-04-17' }, { start: '2026-04-17', end: '2026-05-17' }];
    const spend = spendBy(periods, { zone: ZONE, by: 'cycle', split: 'period', from: '2026-03-16', to: '2026-04-30', cycles });
    // A day before the first cycle stays a bucket of its own; a cycle's days end at the range.
    expect(spend.buckets).toEqual([
      { key: '2026-03-16', first: '2026-03-16', last: '2026-03-16' },
      { key: '2026-03-17', first: '2026-03-17', last: '2026-04-16' },
      { key: '2026-04-17', first: '2026-04-17', last: '2026-04-30' },
    ]);
    expect(spend.series.map((entry) => [entry.name, entry.amounts])).toEqual([['peak', ['1', '0', '4']], ['night', ['0', '2', '0']]]);
  });

  it('a day is a bucket by day', () => {
    const spend = spendBy(rows.slice(0, 2), { zone: ZONE, by: 'day', split: 'total', from: '2026-03-07', to: '2026-03-07' });
    expect(spend.buckets).toEqual([{ key: '2026-03-07', first: '2026-03-07', last: '2026-03-07' }]);
    expect(spend.totals).toEqual(['1.35']);
  });

  it('weeks start on Monday', () => {
    expect(weekStart('2026-03-08')).toBe('2026-03-02'); // a Sunday
    expect(weekStart('2026-03-09')).toBe('2026-03-09');
    expect(weekStart('2027-01-01')).toBe('2026-12-28');
  });
});

describe('year over year', () => {
  it('sets each month against the same month a year before, exactly', () => {
    const month = (date, cost) => ({ start: localMidnight(date, ZONE), energy_kwh: 1, cost, carbon_kg: null });
    const months = yearOverYear(
      [month('2026-01-01', '100.10'), month('2026-02-01', '80')],
      [month('2025-01-01', '90.05'), month('2025-03-01', '70')],
      ZONE,
    );
    expect(months).toEqual([
      { month: '2026-01', spent: '100.1', earlier: '90.05', change: '10.05', percent: (100.1 - 90.05) / 90.05 },
      { month: '2026-02', spent: '80', earlier: null, change: null, percent: null },
      { month: '2026-03', spent: '0', earlier: '70', change: '-70', percent: -1 },
    ]);
  });

  it('a year before 29 February is the 28th', () => {
    expect(yearBefore('2028-02-29')).toBe('2027-02-28');
    expect(yearBefore('2026-12-04')).toBe('2025-12-04');
  });
});

const cycle = (overrides) => ({
  start: '2026-03-01', end: '2026-04-01', days: 31, import_kwh: '15', export_kwh: '2',
  energy: [{ period: 'peak', tier: 1, kwh: '10', cost: '3.00' }, { period: 'peak', tier: 2, kwh: '5', cost: '1.01' }],
  surcharges: [{ name: 'Grid levy', kwh: '15', per_kwh: '0.02', amount: '0.30' }],
  demand: [{ name: 'Peak kW', kw: '4', window_start: null, days: 31, cost: '8' }],
  fixed: [{ name: 'Meter', amount: '9.50' }],
  export_credit: '0.75', carried_credit: '1', unused_credit: '0.25', minimum: '0',
  taxes: [{ name: 'VAT', base: '30.06', percent: '19', amount: '5.71' }],
  carbon_kg: null, devices: [], rounding: '0.01', total: '26.03',
  ...overrides,
});

describe("the bill's components per cycle", () => {
  const bill = {
    tariff: 'TOU', currency: 'EUR', start: '', end: '', rounding: '-0.01', total: '44.04',
    cycles: [cycle(), cycle({ start: '2026-04-01', end: '2026-05-01', demand: [], rounding: '0', total: '18.02' })],
  };

  it('names each line, signs credits, and each cycle adds up to its total', () => {
    const rows = billComponents(bill);
    expect(rows.map((row) => [row.name, row.amounts, row.total])).toEqual([
      ['Energy: peak, tier 1', ['3', '3'], '6'],
      ['Energy: peak, tier 2', ['1.01', '1.01'], '2.02'],
      ['Grid levy', ['0.3', '0.3'], '0.6'],
      ['Demand: Peak kW', ['8', '0'], '8'],
      ['Meter', ['9.5', '9.5'], '19'],
      ['VAT (19 %)', ['5.71', '5.71'], '11.42'],
      ['Export credit', ['-0.75', '-0.75'], '-1.5'],
      ['Credit carried in', ['-1', '-1'], '-2'],
      ['Credit not used', ['0.25', '0.25'], '0.5'],
      ['Rounding', ['0.01', '0'], '0.01'],
      ['Rounding of the bill', ['0', '0'], '-0.01'],
    ]);
    for (const [index, each] of bill.cycles.entries()) {
      const cents = rows.reduce((total, row) => total + Math.round(Number(row.amounts[index]) * 100), 0);
      expect(cents).toBe(Math.round(Number(each.total) * 100));
    }
    expect(rows.reduce((total, row) => total + Math.round(Number(row.total) * 100), 0)).toBe(4404);
  });

  it('stacks charges by kind, credits below zero on their own', () => {
    const stack = componentStack(billComponents(bill), 2);
    expect(stack.map((entry) => entry.label)).toEqual(['Energy', 'Surcharges', 'Demand', 'Standing charges', 'Taxes', 'Credits']);
    expect(stack[0].values).toEqual([4.01, 4.01]);
    expect(stack[4].values.map((value) => Math.round(value * 100))).toEqual([2752, 1952]);
    expect(stack[5].values).toEqual([-1.5, -1.5]);
  });

  it('sums energy by period and tier over the cycles', () => {
    expect(energyByPeriodAndTier(bill)).toEqual([
      { period: 'peak', tier: 1, kwh: '20', cost: '6' },
      { period: 'peak', tier: 2, kwh: '10', cost: '2.02' },
    ]);
  });

  it('leaves out lines that are zero in every cycle, written 0.00 too', () => {
    const quiet = { ...bill, rounding: '0.00', cycles: bill.cycles.map((each) => ({ ...each, rounding: '0.00', carried_credit: '0.00' })) };
    const names = billComponents(quiet).map((row) => row.name);
    expect(names).not.toContain('Rounding of the bill');
    expect(names).not.toContain('Rounding');
    expect(names).not.toContain('Credit carried in');
    expect(names).not.toContain('Minimum bill');
  });

  it('leaves tiers out of the names of a bill without them', () => {
    const flat = { ...bill, cycles: [cycle({ energy: [{ period: 'all', tier: 1, kwh: '1', cost: '0.3' }] })] };
    expect(billComponents(flat)[0].name).toBe('Energy: all');
  });
});

describe('the range', () => {
  it('refuses an end before its start, a missing date and more than 400 days, at the field', () => {
    expect(rangeErrors('2026-03-10', '2026-03-09')).toEqual(new Map([['end', ['must not be before the first day']]]));
    expect(rangeErrors('', '2026-03-09')).toEqual(new Map([['start', ['give the first day']]]));
    expect(rangeErrors('2025-01-01', '2026-02-05')).toEqual(new Map([['end', ['at most 400 days after the first day (401 asked)']]]));
    expect(rangeErrors('2026-03-10', '2026-03-10').size).toBe(0);
  });
});
