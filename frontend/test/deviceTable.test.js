import { describe, expect, it } from 'vitest';
import { changeOf, deviceRows, shownRows, sparkPoints, trendWords } from '../src/lib/deviceTable.js';

const TODAY = [
  { id: 1, source: 'ha', source_id: 'a', name: 'Heat pump', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 12, energy_month_kwh: 300, cost_today: '3.1', cost_month: '80' },
  { id: 2, source: 'ha', source_id: 'b', name: 'Fridge', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 1, energy_month_kwh: 30, cost_today: null, cost_month: null },
  { id: 3, source: 'ha', source_id: 'c', name: 'Dryer', kind: 'appliance', unit: 'W', included_in: null, household_meter: false,
    energy_today_kwh: 2, energy_month_kwh: 50, cost_today: '0.5', cost_month: '12' },
];
const RECORDS = [
  { id: 1, source: 'ha', source_id: 'a', name: 'Heat pump', kind: 'appliance', unit: 'W', created_at: '', updated_at: '',
    source_name: 'Heat pump', display_name: null, in_household: true,
    attributes: { entity_id: 'sensor.heat_pump_power', area: 'Basement' } },
  { id: 2, source: 'ha', source_id: 'b', name: 'Kitchen fridge', kind: 'appliance', unit: 'W', created_at: '', updated_at: '',
    source_name: 'Fridge', display_name: 'Kitchen fridge', in_household: false, attributes: {} },
];
const CYCLE = [
  { device_id: 1, energy_cycle_kwh: 400, cost_cycle: '95', trend_kwh: [1, 2], trend_change: 0.125 },
  { device_id: 2, energy_cycle_kwh: 40, cost_cycle: null, trend_kwh: [], trend_change: null },
  { device_id: 3, energy_cycle_kwh: 60, cost_cycle: '14', trend_kwh: [], trend_change: -0.5 },
];

describe('the device list', () => {
  const rows = deviceRows(/** @type {*} */ (TODAY), /** @type {*} */ (RECORDS), /** @type {*} */ (CYCLE));

  it("takes each device's entity, area and names from its record, figures from the summary and the cycle's", () => {
    expect(rows[0]).toEqual({ id: 1, name: 'Heat pump', kind: 'appliance', entity: 'sensor.heat_pump_power', area: 'Basement',
      sourceName: 'Heat pump', renamed: false, inHousehold: true, energyToday: 12, costToday: 3.1, energyCycle: 400, costCycle: 95,
      trend: [1, 2], trendChange: 0.125 });
    expect([rows[1].name, rows[1].sourceName, rows[1].renamed, rows[1].inHousehold]).toEqual(['Kitchen fridge', 'Fridge', true, false]);
    expect([rows[1].entity, rows[1].area, rows[2].entity]).toEqual([null, null, null]);
  });

  it('sorts by a column either way, unknown costs last', () => {
    expect(shownRows(rows, '', 'costCycle', 'descending').map((row) => row.id)).toEqual([1, 3, 2]);
    expect(shownRows(rows, '', 'costCycle', 'ascending').map((row) => row.id)).toEqual([3, 1, 2]);
    expect(shownRows(rows, '', 'trendChange', 'descending').map((row) => row.id)).toEqual([1, 3, 2]);
    expect(shownRows(rows, '', 'name', 'ascending').map((row) => row.name)).toEqual(['Dryer', 'Heat pump', 'Kitchen fridge']);
  });

  it("filters by name, the source's name, entity or area, in any case", () => {
    expect(shownRows(rows, 'BASE', 'name', 'ascending').map((row) => row.id)).toEqual([1]);
    expect(shownRows(rows, 'fri', 'name', 'ascending').map((row) => row.id)).toEqual([2]);
    expect(shownRows(rows, 'kitchen', 'name', 'ascending').map((row) => row.id)).toEqual([2]);
    expect(shownRows(rows, 'sensor.heat', 'name', 'ascending').map((row) => row.id)).toEqual([1]);
  });

  it('says the trend in words', () => {
    expect([0.125, -0.5, 0.001, null].map(trendWords)).toEqual(['up 13 %', 'down 50 %', 'steady', null]);
  });

  it('draws the trend with its largest day at the top', () => {
    expect(sparkPoints([0, 2, 1], 10, 4)).toBe('0.0,4.0 5.0,0.0 10.0,2.0');
    expect(sparkPoints([0, 0], 10, 4)).toBe('0.0,4.0 10.0,4.0');
  });

  it('sends only what changed; an empty name gives the source its name back', () => {
    const [pump, fridge] = rows;
    expect(changeOf(pump, '', true)).toEqual({});
    expect(changeOf(pump, 'Heat pump', false)).toEqual({ in_household: false });
    expect(changeOf(pump, 'Basement pump', true)).toEqual({ display_name: 'Basement pump' });
    expect(changeOf(fridge, 'Kitchen fridge', false)).toEqual({});
    expect(changeOf(fridge, '  ', true)).toEqual({ display_name: null, in_household: true });
  });
});
