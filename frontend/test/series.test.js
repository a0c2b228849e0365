import { describe, expect, it } from 'vitest';
import { householdParts, lastDay, stackByDevice, totalsBy, zoomRange } from '../src/lib/series.js';
import { addDays, localMidnight, nextMonth, offsetMinutes } from '../src/lib/zone.js';

describe('stackByDevice', () => {
  it('stacks devices per day, largest first, filling missing days with 0', () => {
    const rows = [
      { start: '2026-11-02T00:00:00Z', device_id: 1, cost: '1.5' },
      { start: '2026-11-01T00:00:00Z', device_id: 1, cost: '1' },
      { start: '2026-11-01T00:00:00Z', device_id: 2, cost: '3' },
    ];
    const { x, series } = stackByDevice(rows, new Map([[1, 'Fridge']]));
    expect(x).toEqual([Date.parse('2026-11-01T00:00:00Z') / 1000, Date.parse('2026-11-02T00:00:00Z') / 1000]);
    expect(series.map((entry) => [entry.name, entry.values, entry.stacked])).toEqual([
      ['Device 2', [3, 0], [3, 0]],
      ['Fridge', [1, 1.5], [4, 1.5]],
    ]);
  });
});

describe('stackByDevice with the rest of the house', () => {
  it('stacks the parts and the rest of the house the engine answers', () => {
    const rows = [
      { start: '2026-11-01T00:00:00Z', device_id: 1, cost: '4' },
      { start: '2026-11-01T00:00:00Z', device_id: null, cost: '6' },
      { start: '2026-11-02T00:00:00Z', device_id: 1, cost: '3' },
      { start: '2026-11-02T00:00:00Z', device_id: null, cost: '-1' },
    ];
    const { series } = stackByDevice(rows, new Map([[1, 'Heat pump']]));
    expect(series.map((entry) => [entry.name, entry.values, entry.stacked])).toEqual([
      ['Heat pump', [4, 3], [4, 3]],
      ['Rest of the house', [6, -1], [10, 2]],
    ]);
  });
});

describe('householdParts', () => {
  it('ranks the parts of the house: neither the mains meter nor what a sub-meter contains', () => {
    const devices = [
      { id: 9, household_meter: true, included_in: null },
      { id: 1, household_meter: false, included_in: null },
      { id: 2, household_meter: false, included_in: 1 },
    ];
    expect(householdParts(devices).map((device) => device.id)).toEqual([1]);
    expect(householdParts([devices[0]]).map((device) => device.id)).toEqual([9]);
  });
});

describe('lastDay', () => {
  it('shows an exclusive cycle end as the cycle\'s last day', () => {
    expect(lastDay('2026-12-01')).toBe('2026-11-30');
    expect(lastDay('2026-03-01T00:00:00+01:00')).toBe('2026-02-28');
  });
});

describe('totalsBy', () => {
  it('sums cost and energy by period', () => {
    const rows = [
      { period: 'peak', cost: '2', energy_kwh: 4 },
      { period: 'off', cost: '1', energy_kwh: 10 },
      { period: 'peak', cost: '0.5', energy_kwh: 1 },
    ];
    expect(totalsBy(rows, 'period')).toEqual([
      { name: 'peak', cost: 2.5, energy: 5 },
      { name: 'off', cost: 1, energy: 10 },
    ]);
  });
});

describe('zoom and zones', () => {
  it('gives hours for a day and days for a year', () => {
    const end = new Date('2026-11-27T12:00:00Z');
    expect(zoomRange('day', end)).toEqual({ resolution: 'hour', from: '2026-11-26T12:00:00.000Z', to: '2026-11-27T12:00:00.000Z' });
    expect(zoomRange('year', end, 1).resolution).toBe('day');
    expect(zoomRange('week', end, 1).to).toBe('2026-11-20T12:00:00.000Z');
  });

  it('finds local midnight across DST changes', () => {
    expect(offsetMinutes('UTC', Date.UTC(2026, 0, 1))).toBe(0);
    expect(localMidnight('2026-03-29', 'Europe/Berlin')).toBe('2026-03-28T23:00:00.000Z');
    expect(localMidnight('2026-03-30', 'Europe/Berlin')).toBe('2026-03-29T22:00:00.000Z');
    expect(localMidnight('2026-11-01', 'America/New_York')).toBe('2026-11-01T04:00:00.000Z');
    expect(localMidnight('2026-11-02', 'America/New_York')).toBe('2026-11-02T05:00:00.000Z');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(nextMonth('2026-12-15')).toBe('2027-01-01');
  });
});
