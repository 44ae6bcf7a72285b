import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant } from '../../src/domain/events.js';
import { validateBatch } from '../../src/domain/validate.js';

const good = {
  id: 'e1',
  sessionId: 's-1',
  type: 'session.created',
  at: '2026-03-02T09:00:00.123+01:00',
  channel: 'chat',
};

test('a valid event passes', () => {
  assert.ok(validateBatch([good]).ok);
});

test('every bad event is reported by index and field', () => {
  const result = validateBatch([
    good,
    { ...good, type: 'session.exploded' },
    { ...good, at: undefined },
    { ...good, at: '2026-02-30T10:00:00Z' },
    { ...good, channel: 'pigeon' },
    { ...good, sessionId: 'has space' },
    'not an object',
    { ...good, type: 'routing.assigned' },
  ]);
  assert.equal(result.ok, false);
  if (result.ok) return;
  const byIndex = (i: number) => result.errors.filter((e) => e.index === i).map((e) => e.field);
  assert.deepEqual(byIndex(0), []);
  assert.deepEqual(byIndex(1), ['type']);
  assert.deepEqual(byIndex(2), ['at']);
  assert.deepEqual(byIndex(3), ['at']);
  assert.ok(byIndex(4).includes('channel'));
  assert.deepEqual(byIndex(5), ['sessionId']);
  assert.deepEqual(byIndex(6), ['']);
  assert.ok(byIndex(7).includes('operator'));
});

test('parseInstant accepts RFC 3339 with offsets and rejects impossible instants', () => {
  assert.equal(parseInstant('2026-03-02T09:00:00.123+01:00'), Date.parse('2026-03-02T08:00:00.123Z'));
  assert.equal(parseInstant('2024-02-29T23:59:59Z'), Date.parse('2024-02-29T23:59:59Z'));
  for (const bad of [
    '2026-03-02T09:00:00',
    '2026-03-02',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-01-01T24:00:00Z',
    'yesterday',
  ]) {
    assert.equal(parseInstant(bad), null, bad);
  }
});
