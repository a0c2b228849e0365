import { describe, expect, it } from 'vitest';
import { parseEvents, reconnectDelay } from '../src/lib/live.js';

describe('parseEvents', () => {
  it('reads whole events and keeps the unfinished rest', () => {
    const text = 'retry: 3000\nevent: ready\ndata: {}\n\n: keep-alive\n\nevent: rolled_up\ndata: {"start":"a",';
    expect(parseEvents(text)).toEqual({ events: [{ event: 'ready', data: '{}' }], retry: 3000, rest: 'event: rolled_up\ndata: {"start":"a",' });
    const next = parseEvents(`${parseEvents(text).rest}"end":"b"}\n\n`);
    expect(next.events).toEqual([{ event: 'rolled_up', data: '{"start":"a","end":"b"}' }]);
    expect(next.retry).toBeNull();
  });

  it('takes CRLF line ends, several data lines, and no event name as a message', () => {
    expect(parseEvents('data: one\r\ndata: two\r\n\r\n').events).toEqual([{ event: 'message', data: 'one\ntwo' }]);
  });

  it('skips comments and events without data', () => {
    expect(parseEvents(': hello\n\nevent: empty\n\n').events).toEqual([]);
  });
});

describe('reconnectDelay', () => {
  it("waits the engine's retry, doubling after failures in a row, at most 30 s", () => {
    expect(reconnectDelay(3000, 0)).toBe(3000);
    expect(reconnectDelay(3000, 1)).toBe(3000);
    expect(reconnectDelay(3000, 3)).toBe(12_000);
    expect(reconnectDelay(3000, 10)).toBe(30_000);
  });
});
