/**
 * The outbound and campaign table of docs/outbound.md: one hand-worked session per kind, every value the
 * table gives. Times are seconds after T0 (09:00:00Z).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { project } from '../../src/domain/projector.js';
import { sessionDurations } from '../../src/domain/durations.js';
import type { SessionEvent } from '../../src/domain/events.js';
import { alice, bob, ev, sales, support, T0 } from './builders.js';

const s = (events: SessionEvent[]) => project(events)!;
const t = (seconds: number) => T0 + seconds * 1000;

/** An answered call an operator places: created by Alice at 0, dialled at 2, answered at 17, ended at 137. */
function operatorCall(
  source: 'OutgoingCall' | 'Callback' | 'Campaign',
  extra: Partial<Parameters<typeof ev<'session.created'>>[2]> = {},
): SessionEvent[] {
  return [
    ev('session.created', 0, { channel: 'phone', source, operator: alice, ...extra }),
    ev('operator.joined', 0, { operator: alice }),
    ev('dial.result', 2, { state: 'DIALING' }),
    ev('dial.result', 17, { state: 'ANSWERED' }),
    ev('guest.joined', 17, {}),
    ev('guest.left', 137, { state: 'LeftSession' }),
    ev('operator.left', 137, { operator: alice }),
    ev('routing.ended', 137, {}),
    ev('session.ended', 137, { reason: 'GuestLeft' }),
    ev('operator.concluded', 167, { operator: alice }),
  ];
}

test('outgoing call: started at creation even with RoutingEnded; waited 0; BCW = the dialling', () => {
  const session = s(operatorCall('OutgoingCall'));
  assert.equal(session.direction, 'outbound');
  assert.equal(session.started, t(0));
  assert.equal(session.guestJoined, t(17));
  assert.equal(session.dialResult, 'ANSWERED');
  assert.equal(session.dialed, t(2));
  assert.deepEqual(sessionDurations(session), {
    created: null, // never waited for routing: the operator created it
    inQueue: null,
    waiting: null,
    bcw: 17_000, // guestJoined − started
    active: 120_000, // ended − max(started, guestJoined) = 137 − 17
    acw: 30_000,
    ring: 17_000, // guestJoined − created
    waited: 0, // min(started, left queue) − created = 0 − 0: the operator was there first
  });
  // RoutingEnded belongs to an implied routing request: mluvii's routingRequestId is never null.
  assert.deepEqual(
    session.routing.map((r) => r.routingRequestId),
    [1],
  );
});

test('callback: like an outgoing call; phoneCallbackDialed is when the number was dialled', () => {
  const session = s(operatorCall('Callback', { phoneCallbackNumber: '+420600100200' }));
  assert.equal(session.started, t(0));
  assert.equal(session.dialed, t(2));
  assert.equal(sessionDurations(session).waited, 0);
  assert.equal(sessionDurations(session).active, 120_000);
});

test('preview campaign: ring time does not apply; the rest as an operator call', () => {
  const session = s(operatorCall('Campaign', { campaign: { id: 7, mode: 'preview' } }));
  const d = sessionDurations(session);
  assert.equal(d.ring, null);
  assert.equal(d.bcw, 17_000);
  assert.equal(d.active, 120_000);
  assert.equal(d.waited, 0);
});

test('operator call nobody answers: started, but no guest, so no waited, ring or length', () => {
  const session = s([
    ev('session.created', 0, { channel: 'phone', source: 'OutgoingCall', operator: alice }),
    ev('operator.joined', 0, { operator: alice }),
    ev('dial.result', 2, { state: 'DIALING' }),
    ev('dial.result', 30, { state: 'NO_ANSWER' }),
    ev('operator.left', 30, { operator: alice }),
    ev('session.ended', 30, { reason: 'OperatorLeft' }),
    ev('operator.concluded', 40, { operator: alice }),
  ]);
  assert.equal(session.started, t(0));
  assert.equal(session.guestJoined, null);
  const d = sessionDurations(session);
  assert.deepEqual([d.waited, d.ring, d.active, d.bcw, d.acw], [null, null, null, null, 10_000]);
  assert.equal(session.status, 'CLOSED');
});

test('operator call forwarded to a group: started stays at creation; the forward is no CREATED phase', () => {
  const events = [
    ...operatorCall('OutgoingCall').filter((e) => e.at <= new Date(t(60)).toISOString()),
    ev('routing.forwarded', 60, { group: support, by: alice }),
    ev('operator.left', 60, { operator: alice }),
    ev('routing.requested', 61, { group: support }),
    ev('routing.assigned', 70, { operator: bob }),
    ev('routing.accepted', 75, { operator: bob }),
    ev('operator.joined', 75, { operator: bob }),
    ev('operator.left', 120, { operator: bob }),
    ev('session.ended', 120, { reason: 'OperatorLeft' }),
    ev('operator.concluded', 130, { operator: alice }),
    ev('operator.concluded', 125, { operator: bob }),
  ];
  const session = s(events);
  assert.equal(session.started, t(0));
  const d = sessionDurations(session);
  assert.equal(d.created, null);
  assert.equal(d.inQueue, null);
  assert.equal(d.waited, 0);
  assert.equal(d.active, 103_000); // 120 − 17
  // The forward opened a routing request of its own; the items before it got an implied one.
  assert.deepEqual(
    session.routing.map((r) => [r.activityType, r.routingRequestId]),
    [
      ['ForwardedToGroup', 1],
      ['RoutingRequestCreated', 2],
      ['AssignedToOperator', 2],
      ['AcceptedByOperator', 2],
    ],
  );
});

test('progressive campaign: an operator is reserved first, then the dialler calls', () => {
  const session = s([
    ev('session.created', 0, {
      channel: 'phone',
      source: 'Campaign',
      campaign: { id: 8, mode: 'progressive' },
    }),
    ev('routing.requested', 0, { group: sales }),
    ev('routing.assigned', 0, { operator: alice }),
    ev('routing.accepted', 3, { operator: alice }),
    ev('operator.joined', 3, { operator: alice }),
    ev('dial.result', 3, { state: 'DIALING' }),
    ev('dial.result', 20, { state: 'ANSWERED' }),
    ev('guest.joined', 20, {}),
    ev('operator.left', 200, { operator: alice }),
    ev('session.ended', 200, { reason: 'OperatorLeft' }),
    ev('operator.concluded', 215, { operator: alice }),
  ]);
  assert.equal(session.direction, 'outbound', 'a Campaign session is outbound unless the producer says');
  assert.deepEqual(sessionDurations(session), {
    created: 0, // RoutingRequestCreated at creation
    inQueue: 0, // assigned at once
    waiting: 3_000, // accepted 3 s later
    bcw: 17_000, // guestJoined − started: the operator waits for the answer
    active: 180_000, // 200 − 20
    acw: 15_000,
    ring: 20_000, // guestJoined − created
    waited: 3_000, // started − created
  });
});

test('predictive campaign: dialled first, answered, then queued for an operator (or abandoned)', () => {
  const head = [
    ev('session.created', 0, {
      channel: 'phone',
      source: 'Campaign',
      direction: 'outbound',
      campaign: { id: 9, mode: 'predictive' },
    }),
    ev('dial.result', 0, { state: 'DIALING' }),
    ev('dial.result', 12, { state: 'ANSWERED' }),
    ev('guest.joined', 12, {}),
    ev('routing.requested', 12, { group: sales }),
    ev('routing.queued', 12, { group: sales }),
  ];
  const answered = s([
    ...head,
    ev('routing.dequeued', 14, { group: sales }),
    ev('routing.assigned', 14, { operator: alice }),
    ev('routing.accepted', 15, { operator: alice }),
    ev('operator.joined', 15, { operator: alice }),
    ev('operator.left', 75, { operator: alice }),
    ev('session.ended', 75, { reason: 'OperatorLeft' }),
    ev('operator.concluded', 80, { operator: alice }),
  ]);
  assert.deepEqual(sessionDurations(answered), {
    created: 12_000, // the dialling, until routing starts
    inQueue: 2_000,
    waiting: 1_000,
    bcw: null, // the guest was there before the operator: negative, so null
    active: 60_000, // 75 − max(15, 12)
    acw: 5_000,
    ring: 12_000,
    waited: 15_000, // started − created (DESIGN's formula: from creation, the dialling included)
  });
  const abandoned = s([
    ...head,
    ev('guest.left', 18, { state: 'LeftQueue' }),
    ev('routing.dequeued', 18, { group: sales }),
    ev('routing.ended', 18, {}),
    ev('session.ended', 18, { reason: 'GuestAbandoned' }),
  ]);
  const d = sessionDurations(abandoned);
  assert.equal(abandoned.started, null);
  assert.equal(d.waited, 18_000, 'the guest left the queue: left − created');
  assert.equal(d.active, null);
  const unanswered = s([
    head[0],
    head[1],
    ev('dial.result', 25, { state: 'NO_ANSWER' }),
    ev('session.ended', 25, { reason: 'CampaignFailedDial' }),
  ]);
  assert.deepEqual(
    [sessionDurations(unanswered).waited, sessionDurations(unanswered).ring, unanswered.started],
    [null, null, null],
  );
});

test('a bot-only chat never waited for an operator; a handed-off one did', () => {
  const bot = { botId: 'b1', name: 'Bot' };
  const head = [
    ev('session.created', 0, { channel: 'chat', source: 'Default', bot: { botId: 'b1' } }),
    ev('guest.joined', 0, {}),
    ev('bot.joined', 0, { bot }),
  ];
  const selfService = s([
    ...head,
    ev('guest.left', 90, { state: 'LeftSession' }),
    ev('bot.left', 90, { bot }),
    ev('session.ended', 90, { reason: 'GuestLeft' }),
  ]);
  assert.equal(sessionDurations(selfService).waited, null);
  // Open and with the bot: not waiting for an operator, so no running value either.
  assert.equal(sessionDurations(s(head), T0 + 30_000).waited, null);
  const handedOff = s([
    ...head,
    ev('bot.handoff', 40, { group: sales }),
    ev('routing.requested', 40, { group: sales }),
    ev('guest.left', 70, { state: 'LeftQueue' }),
    ev('session.ended', 70, { reason: 'GuestAbandoned' }),
  ]);
  assert.equal(sessionDurations(handedOff).waited, 70_000);
});

test('call parameters remember who set them', () => {
  const session = s([
    ev('session.created', 0, { channel: 'chat', guest: { callParams: { tier: 'gold' } } }),
    ev('callparams.updated', 5, { params: { order: '42' } }),
  ]);
  assert.deepEqual(session.callParams, {
    tier: { value: 'gold', updated: t(0), origin: 'guest' },
    order: { value: '42', updated: t(5), origin: 'api' },
  });
});
