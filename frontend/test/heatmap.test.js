import { describe, expect, it } from 'vitest';
import { cellLabel, heatmapRows, level, priceRange } from '../src/lib/heatmap.js';

// Hourly slots for a local day, as GET /api/v1/tariffs/{name}/calendar answers them.
function hourly(date, hours, priceOf, repeatedHour = null) {
  const slots = [];
  for (const hour of hours) {
    const local = `${String(hour).padStart(2, '0')}:00`;
    slots.push({ start: `${date}T00:00:00Z`, local, minutes: 60, price: priceOf(hour), period: hour >= 17 && hour < 21 ? 'peak' : 'off', dst: 'normal' });
    if (hour === repeatedHour) {
      slots.push({ start: `${date}T01:00:00Z`, local, minutes: 60, price: priceOf(hour), period: 'off', dst: 'repeated' });
    }
  }
  return slots;
}

const range24 = Array.from({ length: 24 }, (_, hour) => hour);
const price = (hour) => (hour >= 17 && hour < 21 ? '0.40' : '0.20');

describe('heatmapRows', () => {
  const calendar = {
    name: 'tou',
    timezone: 'Europe/Berlin',
    currency: 'EUR',
    days: [
      // Spring forward: 02:00 does not exist.
      { date: '2026-03-29', hours: 23, slots: hourly('2026-03-29', range24.filter((hour) => hour !== 2), price) },
      { date: '2026-03-30', hours: 24, slots: hourly('2026-03-30', range24, price) },
      // Fall back: 02:00 happens twice.
      { date: '2026-10-25', hours: 25, slots: hourly('2026-10-25', range24, price, 2) },
    ],
  };
  const { range, rows } = heatmapRows(calendar);

  it('always has 24 columns, flagging DST days', () => {
    expect(rows.map((row) => row.cells.length)).toEqual([24, 24, 24]);
    expect(rows.map((row) => row.dst)).toEqual([true, false, true]);
  });

  it('marks the skipped hour of a 23-hour day', () => {
    const skipped = rows[0].cells.filter((cell) => cell.skipped).map((cell) => cell.hour);
    expect(skipped).toEqual([2]);
    expect(rows[0].cells.reduce((sum, cell) => sum + cell.segments.length, 0)).toBe(23);
    expect(cellLabel(rows[0].cells[2], String)).toBe('02:00: skipped, clocks go forward');
  });

  it('puts both halves of the repeated hour of a 25-hour day in one cell', () => {
    const cell = rows[2].cells[2];
    expect(cell.repeated).toBe(true);
    expect(cell.segments.map((segment) => [segment.repeated, segment.share])).toEqual([
      [false, 0.5],
      [true, 0.5],
    ]);
    expect(rows[2].cells.filter((other) => other.repeated)).toHaveLength(1);
    expect(rows[2].cells.reduce((sum, c) => sum + c.segments.length, 0)).toBe(25);
    expect(cellLabel(cell, (p) => `${p} EUR`)).toBe('02:00: 02:00 0.20 EUR off; 02:00 (repeated) 0.20 EUR off');
  });

  it('scales prices from the cheapest (0) to the dearest (1)', () => {
    expect(range).toEqual({ min: 0.2, max: 0.4 });
    expect(rows[1].cells[18].segments[0].level).toBe(1);
    expect(rows[1].cells[3].segments[0].level).toBe(0);
  });

  it('splits an hour into shares by minutes', () => {
    const { rows: split } = heatmapRows({
      days: [{ date: '2026-01-05', hours: 24, slots: [
        { start: 'a', local: '06:00', minutes: 15, price: '0.1', period: 'off', dst: 'normal' },
        { start: 'b', local: '06:15', minutes: 45, price: '0.3', period: 'peak', dst: 'normal' },
      ] }],
    });
    expect(split[0].cells[6].segments.map((segment) => segment.share)).toEqual([0.25, 0.75]);
  });
});

describe('level and priceRange', () => {
  it('gives 0 when all prices are equal and null without a price', () => {
    const flat = { days: [{ slots: [{ price: '0.3' }, { price: null }] }] };
    expect(priceRange(flat)).toEqual({ min: 0.3, max: 0.3 });
    expect(level('0.3', priceRange(flat))).toBe(0);
    expect(level(null, priceRange(flat))).toBeNull();
    expect(priceRange({ days: [{ slots: [{ price: null }] }] })).toEqual({ min: null, max: null });
  });
});
