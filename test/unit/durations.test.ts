import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project } from '../../src/domain/projector.js';
import { operatorDurations, sessionDurations } from '../../src/domain/durations.js';
import { alice, bob, ev, inboundChat, sales, support, T0 } from './builders.js';

const s = (events: Parameters<typeof project>[0]) => project(events)!;

test('inbound chat: every FAQ formula', () => {
  const session = s(inboundChat());
  assert.deepEqual(sessionDurations(session), {
    created: 3_000, // first RoutingRequestCreated − created
    inQueue: 17_000, // first AssignedToOperator − first RoutingRequestCreated
    waiting: 5_000, // first AcceptedByOperator − first AssignedToOperator
    bcw: null, // guest joined before the operator accepted: negative, so null
    active: 75_000, // ended − max(started, guestJoined)
    acw: 60_000, // max(concluded) − max(left)
    ring: 1_000, // guestJoined − created
    waited: 25_000, // min(started, left queue) − created
  });
  assert.equal(session.status, 'CLOSED');
  assert.deepEqual(operatorDurations(session, session.operators[0]), { queue: 5_000, acw: 60_000 });
});

test('ACW is null until every operator who joined has concluded, and status is ACW meanwhile', () => {
  const events = inboundChat().filter((e) => e.type !== 'operator.concluded');
  const session = s(events);
  assert.equal(session.status, 'ACW');
  assert.equal(sessionDurations(session).acw, null);
  // Running against a clock: 30 s after the operator left.
  assert.equal(sessionDurations(session, T0 + 130_000).acw, 30_000);
  assert.equal(operatorDurations(session, session.operators[0], T0 + 130_000).acw, 30_000);
});

test('outbound call created by an operator: started = created, BCW until the guest answers', () => {
  const events = [
    ev('session.created', 0, { channel: 'phone', source: 'OutgoingCall', operator: alice }),
    ev('operator.joined', 0, { operator: alice }),
    ev('dial.result', 1, { state: 'DIALING' }),
    ev('dial.result', 15, { state: 'ANSWERED' }),
    ev('guest.joined', 15, {}),
    ev('operator.left', 75, { operator: alice }),
    ev('session.ended', 75, { reason: 'OperatorLeft' }),
    ev('operator.concluded', 90, { operator: alice }),
  ];
  const session = s(events);
  assert.equal(session.started, T0);
  assert.equal(session.direction, 'outbound');
  const d = sessionDurations(session);
  assert.equal(d.bcw, 15_000);
  assert.equal(d.active, 60_000);
  assert.equal(d.ring, 15_000);
  assert.equal(d.created, null, 'never routed: no CREATED phase');
  assert.equal(d.inQueue, null);
  assert.equal(d.waiting, null);
  assert.equal(d.waited, 0);
  assert.deepEqual(s(events.slice(0, 3)).status, 'BCW');
  assert.deepEqual(s(events.slice(0, 5)).status, 'ACTIVE');
});

test('preview campaign: no ring time', () => {
  const session = s([
    ev('session.created', 0, {
      channel: 'phone',
      source: 'Campaign',
      operator: alice,
      campaign: { id: 7, mode: 'preview' },
    }),
    ev('operator.joined', 0, { operator: alice }),
    ev('guest.joined', 40, {}),
    ev('session.ended', 100, {}),
  ]);
  assert.equal(sessionDurations(session).ring, null);
  assert.equal(sessionDurations(session).bcw, 40_000);
});

test('a progressive campaign keeps its ring time', () => {
  const session = s([
    ev('session.created', 0, {
      channel: 'phone',
      source: 'Campaign',
      operator: alice,
      campaign: { id: 7, mode: 'progressive' },
    }),
    ev('guest.joined', 12, {}),
  ]);
  assert.equal(sessionDurations(session).ring, 12_000);
});

test('BCW that would be negative or zero is null', () => {
  const session = s(inboundChat());
  assert.ok(session.guestJoined! < session.started!);
  assert.equal(sessionDurations(session).bcw, null);
  const same = s([
    ev('session.created', 0, { channel: 'chat' }),
    ev('routing.requested', 1, {}),
    ev('routing.accepted', 5, { operator: alice }),
    ev('guest.joined', 5, {}),
  ]);
  assert.equal(sessionDurations(same).bcw, null);
});

test('operator timeout then re-queue: IN_QUEUE again, durations from the first assignment', () => {
  const events = [
    ev('session.created', 0, { channel: 'chat' }),
    ev('guest.joined', 0, {}),
    ev('routing.requested', 2, { group: sales }),
    ev('routing.queued', 2, { group: sales }),
    ev('routing.assigned', 10, { operator: alice }),
    ev('routing.operator_timeout', 25, { operator: alice }),
    ev('routing.queued', 25, { group: sales }),
    ev('routing.assigned', 30, { operator: bob }),
    ev('routing.accepted', 34, { operator: bob }),
    ev('operator.joined', 34, { operator: bob }),
  ];
  assert.equal(s(events.slice(0, 5)).status, 'WAITING');
  assert.equal(s(events.slice(0, 6)).status, 'IN_QUEUE');
  assert.equal(s(events.slice(0, 8)).status, 'WAITING');
  const session = s(events);
  assert.equal(session.status, 'ACTIVE');
  const d = sessionDurations(session);
  assert.equal(d.inQueue, 8_000);
  assert.equal(d.waiting, 24_000, 'first accepted − first assigned (to anyone)');
  assert.equal(operatorDurations(session, { ...session.operators[0], id: alice.id }).queue, 24_000);
  assert.equal(
    operatorDurations(session, session.operators[0]).queue,
    4_000,
    'bob: accepted − his assignment',
  );
  assert.deepEqual(
    session.routing.map((r) => r.activityType),
    [
      'RoutingRequestCreated',
      'EnteredGroupQueue',
      'AssignedToOperator',
      'OperatorTimeoutExpired',
      'EnteredGroupQueue',
      'AssignedToOperator',
      'AcceptedByOperator',
    ],
  );
  assert.deepEqual(
    session.statusHistory.map((h) => h.status),
    ['CREATED', 'IN_QUEUE', 'WAITING', 'IN_QUEUE', 'WAITING', 'ACTIVE'],
  );
});

test('forwarding to a second operator: both operators, their own queue and ACW', () => {
  const events = [
    ...inboundChat().filter(
      (e) => !['guest.left', 'operator.left', 'session.ended', 'operator.concluded'].includes(e.type),
    ),
    ev('routing.forwarded', 50, { group: support, by: alice }),
    ev('operator.left', 50, { operator: alice }),
    ev('operator.concluded', 70, { operator: alice }),
    ev('routing.requested', 51, { group: support }),
    ev('routing.assigned', 60, { operator: bob }),
    ev('routing.accepted', 66, { operator: bob }),
    ev('operator.joined', 66, { operator: bob }),
    ev('operator.left', 200, { operator: bob }),
    ev('session.ended', 200, {}),
    ev('operator.concluded', 290, { operator: bob }),
  ];
  const session = s(events);
  assert.deepEqual(
    session.operators.map((o) => o.id),
    ['101', 'bob.smith'],
  );
  const [a, b] = session.operators;
  assert.deepEqual(operatorDurations(session, a), { queue: 5_000, acw: 20_000 });
  assert.deepEqual(operatorDurations(session, b), { queue: 6_000, acw: 90_000 });
  const d = sessionDurations(session);
  assert.equal(d.acw, 90_000, 'max(concluded) − max(left)');
  assert.equal(d.inQueue, 17_000, 'first assignment only');
  assert.equal(d.active, 175_000);
  assert.ok(
    session.routing.some(
      (r) => r.activityType === 'ForwardedToGroup' && r.forwardedByOperator?.id === alice.id,
    ),
  );
  assert.deepEqual(
    session.groups.map((g) => g.id),
    [1, 2],
  );
  assert.equal(session.routing.at(-1)!.routingRequestId, 2);
});

test('two operators with different ACW (conference)', () => {
  const session = s([
    ev('session.created', 0, { channel: 'av' }),
    ev('guest.joined', 0, {}),
    ev('routing.requested', 1, {}),
    ev('routing.assigned', 2, { operator: alice }),
    ev('routing.accepted', 3, { operator: alice }),
    ev('operator.joined', 3, { operator: alice }),
    ev('routing.invited', 10, { operator: bob, by: alice }),
    ev('operator.joined', 12, { operator: bob }),
    ev('operator.left', 100, { operator: bob }),
    ev('operator.left', 110, { operator: alice }),
    ev('session.ended', 110, {}),
    ev('operator.concluded', 130, { operator: bob }),
    ev('operator.concluded', 170, { operator: alice }),
  ]);
  assert.equal(
    operatorDurations(
      session,
      session.operators.find((o) => o.id === bob.id)!,
    ).acw,
    30_000,
  );
  assert.equal(
    operatorDurations(
      session,
      session.operators.find((o) => o.id === alice.id)!,
    ).acw,
    60_000,
  );
  assert.equal(sessionDurations(session).acw, 60_000);
});

test('sessions that skip states: a bot session never routed has no queue durations', () => {
  const session = s([
    ev('session.created', 0, { channel: 'chat', bot: { botId: 'b1' } }),
    ev('guest.joined', 0, {}),
    ev('bot.joined', 0, { bot: { botId: 'b1' } }),
    ev('message', 5, { from: 'guest', text: 'hi', lang: 'en' }),
    ev('bot.task', 6, { name: 'x', status: 'completed' }),
    ev('session.ended', 30, {}),
  ]);
  assert.equal(session.status, 'CLOSED');
  assert.deepEqual(sessionDurations(session), {
    created: null,
    inQueue: null,
    waiting: null,
    bcw: null,
    active: null,
    acw: null,
    ring: 0,
    waited: null,
  });
});

test('a guest who abandons in the queue: waited ends when they leave', () => {
  const session = s([
    ev('session.created', 0, { channel: 'phone' }),
    ev('guest.joined', 0, {}),
    ev('routing.requested', 1, { group: sales }),
    ev('guest.left', 61, { state: 'LeftQueue' }),
    ev('session.ended', 61, { reason: 'GuestAbandoned' }),
  ]);
  const d = sessionDurations(session);
  assert.equal(d.waited, 61_000);
  assert.equal(d.inQueue, null);
  assert.equal(session.status, 'CLOSED');
});

test('running durations of an open session are measured against the given clock', () => {
  const events = inboundChat().slice(0, 6); // assigned, not accepted
  const session = s(events);
  assert.equal(session.status, 'WAITING');
  const d = sessionDurations(session, T0 + 28_000);
  assert.equal(d.waiting, 8_000);
  assert.equal(d.inQueue, 17_000);
  assert.equal(d.waited, 28_000);
  assert.equal(sessionDurations(session).waiting, null, 'stored columns never hold a running value');
  const talking = s(inboundChat().slice(0, 9));
  assert.equal(sessionDurations(talking, T0 + 85_000).active, 60_000);
});

test('blacklisted wins over every other status', () => {
  const session = s([...inboundChat().slice(0, 8), ev('dial.result', 50, { state: 'BLACKLISTED' })]);
  assert.equal(session.status, 'BLACKLISTED');
});

test('held time is summed and an open hold is closed by the end', () => {
  const session = s([
    ...inboundChat().slice(0, 8),
    ev('session.held', 40, { by: alice, reason: 'None' }),
    ev('session.resumed', 55, {}),
    ev('session.held', 80, { by: alice }),
    ev('session.ended', 100, {}),
  ]);
  assert.equal(session.holdCount, 2);
  assert.equal(session.holdMs, 35_000);
  assert.equal(session.held, null);
});
