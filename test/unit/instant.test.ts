import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from '../../src/domain/events.js';
import { hostileValue, MAX_DEPTH } from '../../src/http/guard.js';

test('instants: years 0001–9999 exactly, offsets within ±15:59, calendar dates only', () => {
  assert.equal(new Date(parseInstant('0001-01-01T00:00:00Z')!).toISOString(), '0001-01-01T00:00:00.000Z');
  assert.equal(new Date(parseInstant('0099-12-31T23:59:59.999Z')!).toISOString(), '0099-12-31T23:59:59.999Z');
  assert.equal(new Date(parseInstant('9999-12-31T23:59:59Z')!).toISOString(), '9999-12-31T23:59:59.000Z');
  assert.equal(parseInstant('2026-03-01T10:00:00+14:00'), Date.parse('2026-02-28T20:00:00Z'));
  assert.equal(parseInstant('2024-02-29T00:00:00Z'), Date.parse('2024-02-29T00:00:00Z'));
  assert.equal(parseInstant('0004-02-29T00:00:00Z') !== null, true, 'year 4 was a leap year');
  for (const bad of [
    '0000-01-01T00:00:00Z',
    '2026-01-01T00:00:00+16:00',
    '2026-01-01T00:00:00-23:59',
    '2025-02-29T00:00:00Z',
    '2100-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01',
  ]) {
    assert.equal(parseInstant(bad), null, bad);
  }
});

test('hostile values: NUL, lone surrogates, deep nesting found anywhere; clean input passes', () => {
  assert.equal(hostileValue({ a: ['ok', { b: 'fine 😀' }] }, 'body'), null);
  assert.deepEqual(hostileValue({ a: ['ok', { b: 'x\u0000' }] }, 'body')?.field, 'body.a[1].b');
  assert.equal(hostileValue(['\ud800'], 'body')?.field, 'body[0]');
  assert.equal(hostileValue(['\udc00x'], 'body')?.field, 'body[0]');
  assert.equal(hostileValue({ ['k\u0000']: 1 }, 'query')?.field, 'query.k\u0000');
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assert.match(hostileValue(deep, 'body')!.message, new RegExp(`deeper than ${MAX_DEPTH}`));
  let shallow: unknown = 'leaf';
  for (let i = 0; i < MAX_DEPTH - 1; i++) shallow = { x: shallow };
  assert.equal(hostileValue(shallow, 'body'), null);
});
