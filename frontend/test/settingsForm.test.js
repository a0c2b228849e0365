import { describe, expect, it } from 'vitest';
import { bodyOf, emptyInstance, fieldPaths, formOf, readPatterns, restartLabels } from '../src/lib/settingsForm.js';

/** @type {import('../src/lib/apiTypes.js').Settings} */
const SETTINGS = {
  currency: 'EUR',
  timezone: 'Europe/Berlin',
  retention: { raw_days: 90, hourly_days: 365, daily_days: 1826, compress_after_days: 1 },
  homeassistant: [{ name: 'home', url: 'ws://ha:8123/api/websocket', include: ['sensor.a', 'sensor.b_*'], exclude: [] }],
  saved: [],
  restart_required: [],
};

describe('the form and the body', () => {
  it('round-trips the settings, without a token unless one is typed', () => {
    const form = formOf(SETTINGS);
    expect(form.homeassistant[0]).toEqual({ name: 'home', url: 'ws://ha:8123/api/websocket', include: 'sensor.a, sensor.b_*', exclude: '', token: '' });
    const { saved, restart_required, ...given } = SETTINGS;
    expect(bodyOf(form)).toEqual({ body: given });
    form.homeassistant[0].token = 'secret';
    const made = bodyOf(form);
    expect('body' in made && made.body.homeassistant[0].token).toBe('secret');
  });

  it('reads patterns separated by commas, blanks left out', () => {
    expect(readPatterns(' sensor.a ,, sensor.*_energy ')).toEqual(['sensor.a', 'sensor.*_energy']);
    expect(readPatterns('  ')).toEqual([]);
  });

  it('names each retention that is no whole number of days; the rest is the engine\'s', () => {
    const form = formOf(SETTINGS);
    form.retention.raw_days = '1.5';
    form.retention.daily_days = ' ';
    expect(bodyOf(form)).toEqual({
      errors: [
        { path: 'retention.raw_days', message: '1.5 is not a whole number of days' },
        { path: 'retention.daily_days', message: 'nothing is not a whole number of days' },
      ],
    });
    form.retention.raw_days = '0';
    form.retention.daily_days = '7';
    expect('body' in bodyOf(form)).toBe(true); // 0 is the engine's to refuse, with its message
  });

  it('lists every field where a message may go, instances included', () => {
    const form = formOf(SETTINGS);
    form.homeassistant.push(emptyInstance());
    const paths = fieldPaths(form);
    expect(paths.slice(0, 3)).toEqual(['currency', 'timezone', 'retention.raw_days']);
    expect(paths).toContain('homeassistant[1].token');
    expect(paths).toContain('homeassistant');
  });
});

describe('restartLabels', () => {
  it('says in words what waits for a restart', () => {
    const settings = { ...SETTINGS, homeassistant: [...SETTINGS.homeassistant, { ...SETTINGS.homeassistant[0], name: 'cabin' }] };
    expect(restartLabels(['currency', 'timezone', 'homeassistant[1]', 'homeassistant'], settings))
      .toEqual(['the currency', 'the time zone', 'Home Assistant cabin', 'a Home Assistant instance removed']);
  });
});
