import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PERIODS, SECTIONS, defaultUnit, formPaths, getIn, newDefinition, newItem, numberOrText, offered, parseMonths, setIn, yamlOnly,
} from '../src/lib/tariffForm.js';

const EVERY_FIELD = JSON.parse(readFileSync(new URL('./fixtures/every-field.json', import.meta.url), 'utf8'));

describe('the form edits the definition in place', () => {
  it('changes one path and leaves everything else as loaded', () => {
    const edited = setIn(EVERY_FIELD, ['taxes', 1, 'percent'], numberOrText('7'));
    expect(edited.taxes[1]).toEqual({ name: 'VAT', percent: 7, compound: true });
    expect({ ...edited, taxes: EVERY_FIELD.taxes }).toEqual(EVERY_FIELD);
    expect(edited.taxes[0]).toBe(EVERY_FIELD.taxes[0]);
    expect(EVERY_FIELD.taxes[1].percent).toBe(19); // the loaded definition is not changed
  });

  it('removes a key set to undefined, and the last item of an optional list with it', () => {
    expect(setIn({ minimum: { amount: 1 }, name: 'x' }, ['minimum'], undefined)).toEqual({ name: 'x' });
    expect(getIn(EVERY_FIELD, ['energy', 'periods', 1, 'tiers', 1, 'price'])).toBe('0.50');
  });

  it('keeps typed text unless it is exactly a plain number', () => {
    expect(numberOrText('15')).toBe(15);
    expect(numberOrText(' 0.2 ')).toBe(0.2);
    expect(numberOrText('0.10')).toBe('0.10'); // the number would lose the written zero
    expect(numberOrText('0,27')).toBe('0,27'); // for the engine to name
    expect(numberOrText('')).toBeUndefined();
    expect(parseMonths('6, 7,')).toEqual([6, 7]);
    expect(parseMonths('1, x')).toEqual([1, 'x']);
    expect(parseMonths('  ')).toBeUndefined();
  });

  it('makes new items with their required fields empty, for the engine to ask for', () => {
    const [surcharges, , taxes, minimum] = SECTIONS;
    expect(newItem(surcharges.fields)).toEqual({ name: '', per_kwh: '' });
    expect(newItem(taxes.fields)).toEqual({ name: '', percent: '' });
    expect(newItem(minimum.fields)).toEqual({ amount: '' });
    expect(newItem(PERIODS.fields)).toEqual({ name: '', price: '' });
    expect(newDefinition('Europe/Berlin', 'EUR')).toEqual({ name: '', currency: 'EUR', timezone: 'Europe/Berlin', energy: { price: '' } });
  });
});

describe('formPaths', () => {
  it('lists every input the form renders for a definition with every field', () => {
    const paths = formPaths(EVERY_FIELD);
    for (const path of [
      'name', 'cycle_day', 'energy.periods[1].months', 'energy.periods[1].tiers[0].up_to',
      'energy.periods[1].tiers[1].price', 'surcharges[1].basis', 'fixed[1].per', 'taxes[0].components',
      'taxes[0].negative', 'taxes[1].compound', 'minimum.compare', 'minimum.excess_credit',
    ]) expect(paths).toContain(path);
    expect(paths).not.toContain('energy.periods[1].price'); // tiered: no single price
    expect(paths).not.toContain('energy.price');
    expect(paths.some((path) => path.startsWith('demand'))).toBe(false);
  });

  it('names what only the YAML edits', () => {
    expect(yamlOnly(EVERY_FIELD)).toEqual(['holidays', 'demand', 'export', 'carbon', 'energy.tiers', 'energy.dynamic']);
    expect(yamlOnly(newDefinition())).toEqual([]);
  });
});

describe('gas and water', () => {
  const gas = { name: 'Gas', commodity: 'gas', currency: 'EUR', timezone: 'Europe/Berlin', energy: { price: 0.12 } };
  const section = (/** @type {string} */ key) => /** @type {import('../src/lib/tariffForm.js').Section} */ (SECTIONS.find((each) => each.path[0] === key));

  it('shows the unit the engine reads without one', () => {
    expect(defaultUnit(newDefinition())).toBe('kWh');
    expect(defaultUnit(gas)).toBe('m³');
    expect(defaultUnit({ ...gas, conversion: [{ from: '2026-01-01', calorific_value: 40 }] })).toBe('kWh');
    expect(defaultUnit({ ...gas, commodity: 'water' })).toBe('m³');
  });

  it('offers the conversion to gas and the sewage to water, or where a definition has them', () => {
    expect(offered(section('conversion'), gas)).toBe(true);
    expect(offered(section('sewage'), gas)).toBe(false);
    expect(offered(section('sewage'), { ...gas, commodity: 'water' })).toBe(true);
    expect(offered(section('conversion'), newDefinition())).toBe(false);
    expect(offered(section('sewage'), { ...newDefinition(), sewage: { price: 2 } })).toBe(true);
    expect(offered(section('taxes'), gas)).toBe(true);
  });

  it('has inputs for the conversion periods and the sewage charge', () => {
    const water = { ...gas, commodity: 'water', sewage: { price: 2.62, share: 0.95 } };
    expect(formPaths({ ...gas, conversion: [{ from: '2026-01-01', calorific_value: 40 }] }))
      .toEqual(expect.arrayContaining(['commodity', 'unit', 'conversion[0].from', 'conversion[0].calorific_value', 'conversion[0].volume_correction']));
    expect(formPaths(water)).toEqual(expect.arrayContaining(['sewage.name', 'sewage.price', 'sewage.share']));
    expect(yamlOnly(water)).toEqual([]);
  });
});
