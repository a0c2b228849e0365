import { describe, expect, it } from 'vitest';
import { fieldId } from '../src/components/Field.js';
import { formPaths } from '../src/lib/tariffForm.js';
import { ApiRequestError } from '../src/lib/api.js';
import { ancestors, errorsByField, joinPath, splitPath, validationErrors } from '../src/lib/validation.js';

describe('paths', () => {
  it('split and join round trip', () => {
    expect(splitPath('energy.periods[1].tiers[0].up_to')).toEqual(['energy', 'periods', 1, 'tiers', 0, 'up_to']);
    expect(joinPath(['energy', 'periods', 1, 'tiers', 0, 'up_to'])).toBe('energy.periods[1].tiers[0].up_to');
    expect(ancestors('fixed[2].amount')).toEqual(['fixed[2].amount', 'fixed[2]', 'fixed']);
  });

  it('names inputs by path with safe ids', () => {
    expect(fieldId('energy.periods[0].price')).toBe('f-energy-periods-0-price');
    expect(fieldId('name')).toBe('f-name');
  });
});

describe('errorsByField', () => {
  const paths = formPaths({
    name: 'tou',
    currency: 'EUR',
    timezone: 'Europe/Berlin',
    energy: { periods: [{ name: 'day', price: 0.3 }] },
  });

  it('puts each message at its own field when the form has it', () => {
    const grouped = errorsByField(
      [
        { path: 'energy.periods[0].price', message: 'expected a number' },
        { path: 'currency', message: 'expected an ISO 4217 code like USD' },
      ],
      paths,
    );
    expect(grouped.get('energy.periods[0].price')).toEqual(['expected a number']);
    expect(grouped.get('currency')).toEqual(['expected an ISO 4217 code like USD']);
  });

  it('falls back to the closest rendered ancestor, naming the full path', () => {
    const grouped = errorsByField([{ path: 'energy.periods[0].tiers[1].up_to', message: 'must be positive' }], paths);
    expect([...grouped.keys()]).toEqual(['energy.periods[0]']);
    expect(grouped.get('energy.periods[0]')).toEqual(['energy.periods[0].tiers[1].up_to: must be positive']);
  });

  it('collects what no field shows under general', () => {
    const grouped = errorsByField(
      [{ path: 'demand.flat[0].months', message: 'month 1 is already charged' }, { path: '', message: 'not JSON' }],
      paths,
    );
    expect(grouped.get('general')).toEqual(['demand.flat[0].months: month 1 is already charged', 'not JSON']);
  });

  it('reads the errors of a 422 answer only', () => {
    const errors = [{ path: 'name', message: 'required' }];
    expect(validationErrors(new ApiRequestError(422, { valid: false, errors }))).toEqual(errors);
    expect(validationErrors(new ApiRequestError(422, { error: { code: 'invalid_tariff', message: 'x', details: errors } }))).toEqual(errors);
    expect(validationErrors(new ApiRequestError(500, { error: { message: 'boom' } }))).toBeNull();
    // A conflict naming its field (a budget's name in use) is shown at it too; one without is not.
    const taken = [{ path: 'name', message: "a budget named 'House' exists already" }];
    expect(validationErrors(new ApiRequestError(409, { error: { code: 'budget_exists', message: 'x', details: taken } }))).toEqual(taken);
    expect(validationErrors(new ApiRequestError(409, { error: { code: 'active_tariff', message: 'x' } }))).toBeNull();
  });
});
