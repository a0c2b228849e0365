import { describe, expect, it } from 'vitest';
import { sum } from '../src/lib/decimal.js';
import { ledgerRows } from '../src/lib/ledger.js';

const part = (commodity, figures, connections = []) => ({
  commodity, tariff: 'house', unit: null, usage_today: null, usage_month: null, cycle_start: '2026-11-01',
  cycle_end: '2026-12-01', price_now: null, connections, ...figures,
});
const HOUSE = { connection: null, tariff: 'house', today: '3.25', month: '57.25', cycle_start: '2026-11-01', cycle_end: '2026-12-01', cycle_so_far: '59.15', projected: '176' };
const HEAT_PUMP = { connection: 'sensor.heat_pump_import', tariff: 'heat pump', today: '5.2', month: '91.6', cycle_start: '2026-10-15', cycle_end: '2026-11-15', cycle_so_far: '232.32', projected: '271.2' };

describe('the ledger rows', () => {
  it('lists electricity’s grid connections under it when one has a tariff of its own', () => {
    const electricity = part('electricity', { today: '8.45', month: '148.85', cycle_so_far: '291.47', projected: '447.2' }, [HOUSE, HEAT_PUMP]);
    const rows = ledgerRows([electricity, part('gas', { today: '1', month: '2', cycle_so_far: '3', projected: null })]);
    expect(rows.map((row) => [row.key, row.connection, row.tariff])).toEqual([
      ['electricity', null, 'house'],
      ['electricity:', null, 'house'],
      ['electricity:sensor.heat_pump_import', 'sensor.heat_pump_import', 'heat pump'],
      ['gas', null, 'house'],
    ]);
    expect(rows[2].cycle_start).toBe('2026-10-15');
    // The part is the exact sum of its connections' rows.
    for (const field of ['today', 'month', 'cycle_so_far', 'projected']) {
      expect(sum(rows.slice(1, 3).map((row) => row[field]))).toBe(rows[0][field]);
    }
  });

  it('shows no connection rows when the active tariff prices every meter', () => {
    const electricity = part('electricity', { today: '3.25', month: '57.25', cycle_so_far: '59.15', projected: '176' }, [HOUSE]);
    expect(ledgerRows([electricity]).map((row) => row.key)).toEqual(['electricity']);
  });
});
