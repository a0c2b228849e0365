import { describe, expect, it } from 'vitest';
import { emptyLine, emptyStatement, statementBody, statementPaths } from '../src/lib/statementForm.js';
import { refusedFields } from '../src/lib/validation.js';

describe('the statement form', () => {
  it('sends what was typed, optional fields only when given', () => {
    const form = {
      ...emptyStatement(),
      start: '2026-11-01', end: '2026-12-01 ', total: '98.40',
      lines: [{ ...emptyLine(), name: 'Peak', amount: '40.10', period: 'peak', tier: '2', kwh: '96.5' },
        { ...emptyLine(), kind: /** @type {const} */ ('credit'), name: 'Solar', amount: '-3.00' }],
    };
    expect(statementBody(form)).toEqual({
      start: '2026-11-01', end: '2026-12-01', total: '98.40',
      lines: [{ kind: 'energy', name: 'Peak', amount: '40.10', period: 'peak', tier: 2, kwh: '96.5' },
        { kind: 'credit', name: 'Solar', amount: '-3.00' }],
    });
    expect(statementBody({ ...form, tariff: 'Demo TOU' }).tariff).toBe('Demo TOU');
  });

  it('keeps a tier that is no whole number for the engine to name', () => {
    const body = statementBody({ ...emptyStatement(), lines: [{ ...emptyLine(), tier: 'two' }] });
    expect(body.lines?.[0].tier).toBe('two');
  });

  it('has a field for every line value', () => {
    expect(statementPaths({ ...emptyStatement(), lines: [emptyLine(), emptyLine()] }))
      .toEqual(expect.arrayContaining(['start', 'total', 'lines[1].amount', 'lines[0].kwh']));
  });
});

describe('refusedFields', () => {
  it('reads the field from a 400 message, or the 422 list', () => {
    expect(refusedFields({ status: 400, message: 'lines[1].amount: expected an exact decimal' }))
      .toEqual([{ path: 'lines[1].amount', message: 'expected an exact decimal' }]);
    expect(refusedFields({ status: 422, body: { errors: [{ path: 'amount', message: 'no' }] } })).toEqual([{ path: 'amount', message: 'no' }]);
    expect(refusedFields({ status: 400, message: 'the body must be a JSON object' })).toBeNull();
    expect(refusedFields({ status: 500, message: 'total: boom' })).toBeNull();
  });
});
