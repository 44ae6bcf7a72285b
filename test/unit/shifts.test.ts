import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultModel } from '../../src/simulator/model.js';
import { operatorStateEvents, type Busy, type SimState } from '../../src/simulator/shifts.js';

const day = Date.parse('2026-05-04T00:00:00Z');
const h = (hours: number) => day + hours * 3_600_000;
const jana = defaultModel.operators[0]; // shift 06–14 UTC

test('a simulated shift: log in, calls, breaks, away, log out', () => {
  const busy: Busy[] = [{ operatorId: jana.id, joined: h(7), left: h(7.25), concluded: h(7.3) }];
  const events = operatorStateEvents(defaultModel, busy, day, day + 86_400_000).filter(
    (e) => e.operator.id === jana.id,
  );
  assert.deepEqual(
    events.map((e) => [e.at.slice(11, 16), e.state, e.reason ?? null, e.paid ?? null]),
    [
      ['00:00', 'OFFLINE', null, null],
      ['06:00', 'ONLINE', null, null],
      ['07:00', 'ON_CALL', null, null],
      ['07:15', 'AFTER_CALL', null, null],
      ['07:18', 'ONLINE', null, null],
      ['08:00', 'BREAK', 'Coffee', true],
      ['08:15', 'ONLINE', null, null],
      ['10:00', 'BREAK', 'Lunch', false],
      ['10:30', 'ONLINE', null, null],
      ['12:00', 'AWAY', null, null],
      ['12:10', 'ONLINE', null, null],
      ['14:00', 'OFFLINE', null, null],
    ],
  );
});

test('consecutive windows chain to the same events as one window', () => {
  const busy: Busy[] = [
    { operatorId: jana.id, joined: h(9.9), left: h(10.2), concluded: null },
    { operatorId: defaultModel.operators[2].id, joined: h(23.5), left: h(23.6), concluded: h(23.7) },
  ];
  const whole = operatorStateEvents(defaultModel, busy, day, day + 86_400_000);
  const last = new Map<string, SimState>();
  const pieces = [];
  for (let t = day; t < day + 86_400_000; t += 7 * 60_000 + 13_000) {
    pieces.push(
      ...operatorStateEvents(
        defaultModel,
        busy,
        t,
        Math.min(t + 7 * 60_000 + 13_000, day + 86_400_000),
        last,
      ),
    );
  }
  assert.deepEqual(
    pieces.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)),
    whole,
  );
});
