import { describe, expect, it } from 'vitest';
import { deviceRows, shownRows } from '../src/lib/deviceTable.js';

const FIGURES = [
  { id: 1, source: 'ha', source_id: 'a', name: 'Heat pump', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 12, energy_month_kwh: 300, cost_today: '3.1', cost_month: '80' },
  { id: 2, source: 'ha', source_id: 'b', name: 'Fridge', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 1, energy_month_kwh: 30, cost_today: null, cost_month: null },
  { id: 3, source: 'ha', source_id: 'c', name: 'Dryer', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 2, energy_month_kwh: 50, cost_today: '0.5', cost_month: '12' },
];
const RECORDS = [
  { id: 1, source: 'ha', source_id: 'a', name: 'Heat pump', kind: 'appliance', unit: 'W', created_at: '', updated_at: '',
    attributes: { entity_id: 'sensor.heat_pump_power', area: 'Basement' } },
  { id: 2, source: 'ha', source_id: 'b', name: 'Fridge', kind: 'appliance', unit: 'W', created_at: '', updated_at: '', attributes: {} },
];

describe('the device list', () => {
  const rows = deviceRows(/** @type {*} */ (FIGURES), /** @type {*} */ (RECORDS));

  it("takes each device's entity and area from its record, figures from the summary", () => {
    expect(rows[0]).toEqual({ id: 1, name: 'Heat pump', kind: 'appliance', entity: 'sensor.heat_pump_power', area: 'Basement',
      energyToday: 12, costToday: 3.1, energyMonth: 300, costMonth: 80 });
    expect([rows[1].entity, rows[1].area, rows[2].entity]).toEqual([null, null, null]);
  });

  it('sorts by a column either way, unknown costs last', () => {
    expect(shownRows(rows, '', 'costMonth', 'descending').map((row) => row.name)).toEqual(['Heat pump', 'Dryer', 'Fridge']);
    expect(shownRows(rows, '', 'costMonth', 'ascending').map((row) => row.name)).toEqual(['Dryer', 'Heat pump', 'Fridge']);
    expect(shownRows(rows, '', 'name', 'ascending').map((row) => row.name)).toEqual(['Dryer', 'Fridge', 'Heat pump']);
  });

  it('filters by name, entity or area, in any case', () => {
    expect(shownRows(rows, 'BASE', 'name', 'ascending').map((row) => row.id)).toEqual([1]);
    expect(shownRows(rows, 'fri', 'name', 'ascending').map((row) => row.id)).toEqual([2]);
    expect(shownRows(rows, 'sensor.heat', 'name', 'ascending').map((row) => row.id)).toEqual([1]);
  });
});
