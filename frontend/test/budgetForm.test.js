import { describe, expect, it } from 'vitest';
import { bodyOf, emptyForm, formOf, percentSpent, readThresholds } from '../src/lib/budgetForm.js';

/** @type {import('../src/lib/apiTypes.js').StoredBudget} */
const FRIDGE = { id: 4, name: 'Fridge', scope: 'device', device_id: 3, period: 'day', amount: '0.4', currency: 'USD', thresholds: [80, 100] };

describe('thresholds', () => {
  it('reads percents with commas, spaces, semicolons and percent signs', () => {
    expect(readThresholds('50, 80, 100')).toEqual({ values: [50, 80, 100] });
    expect(readThresholds(' 50;80 100% ')).toEqual({ values: [50, 80, 100] });
  });

  it('refuses what is no whole percent, naming it', () => {
    expect(readThresholds('50, 80.5')).toEqual({ error: '80.5 is not a whole percent' });
    expect(readThresholds('  ')).toEqual({ error: 'give one or more percents, like 50, 80, 100' });
  });
});

describe('the form and the body', () => {
  it('round-trips a stored budget', () => {
    expect(formOf(FRIDGE)).toEqual({ name: 'Fridge', scope: 'device', device_id: '3', period: 'day', amount: '0.4', thresholds: '80, 100' });
    expect(bodyOf(formOf(FRIDGE))).toEqual({
      body: { name: 'Fridge', scope: 'device', device_id: 3, period: 'day', amount: '0.4', thresholds: [80, 100] },
    });
  });

  it('sends the amount as typed, for the engine to judge', () => {
    const made = bodyOf({ ...emptyForm(), name: 'House', amount: ' 12,50 ' });
    expect(made).toEqual({
      body: { name: 'House', scope: 'household', device_id: null, period: 'month', amount: '12,50', thresholds: [50, 80, 100] },
    });
  });

  it('names the field that keeps the form from being a body', () => {
    expect(bodyOf({ ...emptyForm(), thresholds: 'many' })).toEqual({ errors: [{ path: 'thresholds', message: 'many is not a whole percent' }] });
    expect(bodyOf({ ...emptyForm(), scope: 'cloud_account' })).toEqual({ errors: [{ path: 'device_id', message: 'choose the cloud account' }] });
  });
});

describe('percentSpent', () => {
  it('is the share of the amount, unknown without spending or amount', () => {
    expect(percentSpent('30', '120')).toBe(25);
    expect(percentSpent(null, '120')).toBeNull();
    expect(percentSpent('3', '0')).toBeNull();
  });
});
