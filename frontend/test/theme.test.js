import { describe, expect, it } from 'vitest';
import { isDark } from '../src/lib/theme.js';
import { query } from '../src/lib/api.js';

describe('isDark', () => {
  it("reads Home Assistant's background colours", () => {
    expect(isDark('#111111')).toBe(true);
    expect(isDark('rgb(250, 250, 250)')).toBe(false);
    expect(isDark('rgba(28, 28, 28, 1)')).toBe(true);
    expect(isDark('var(--other)')).toBeNull();
  });
});

describe('query', () => {
  it('leaves out null values and encodes the rest', () => {
    expect(query({ start: '2026-11-01T00:00:00+01:00', device_id: 3, period: null })).toBe(
      '?start=2026-11-01T00%3A00%3A00%2B01%3A00&device_id=3',
    );
    expect(query({})).toBe('');
  });
});
