import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { project, userIdOf } from '../../src/domain/projector.js';
import { rng, simulate, simulateSession } from '../../src/simulator/simulate.js';
import { defaultModel } from '../../src/simulator/model.js';
import { alice, ev, inboundChat, T0 } from './builders.js';

test('reverse and shuffled delivery give the same projection', () => {
  const events = inboundChat();
  const expected = project(events);
  assert.deepEqual(project([...events].reverse()), expected);
  const r = rng(7);
  for (let i = 0; i < 20; i++) {
    const shuffled = [...events].sort(() => r() - 0.5);
    assert.deepEqual(project(shuffled), expected);
  }
});

test('duplicated events are counted once', () => {
  const events = inboundChat();
  const expected = project(events);
  assert.deepEqual(project([...events, ...events.slice(3, 9)]), expected);
  assert.equal(expected!.eventCount, events.length);
});

test('ties on `at` are broken by lifecycle order, then by id', () => {
  const a = ev('session.ended', 10, {});
  const b = ev('operator.left', 10, { operator: alice });
  const created = ev('session.created', 0, { channel: 'chat' });
  const joined = ev('operator.joined', 1, { operator: alice });
  const session = project([a, b, created, joined])!;
  assert.deepEqual(
    session.activities.map((x) => x.type),
    ['Joined', 'Left', 'SessionEnded'],
  );
});

test('created falls back to the earliest event until session.created arrives', () => {
  const partial = project([ev('routing.requested', 5, {}), ev('guest.joined', 2, {})])!;
  assert.equal(partial.created, T0 + 2_000);
  assert.equal(partial.channel, null);
});

test('userId: digits stay, names map to a stable int32 in [1e9, 2e9)', () => {
  assert.equal(userIdOf('101'), 101);
  const id = userIdOf('bob.smith');
  assert.equal(id, userIdOf('bob.smith'));
  assert.ok(id >= 1e9 && id < 2e9);
  assert.notEqual(userIdOf('99999999999'), 99999999999, 'beyond int32 is hashed');
});

test('Kore containment: explicit, agent, dropOff, selfService; none for non-bot sessions', () => {
  const bot = { botId: 'b1' };
  const base = [ev('session.created', 0, { channel: 'chat', bot }), ev('guest.joined', 0, {})];
  const self = project([
    ...base,
    ev('bot.task', 5, { name: 't', status: 'completed' }),
    ev('guest.left', 9, {}),
    ev('session.ended', 9, {}),
  ])!;
  assert.equal(self.containment, 'selfService');
  const drop = project([
    ...base,
    ev('bot.task', 5, { name: 't', status: 'started' }),
    ev('guest.left', 9, {}),
    ev('session.ended', 9, {}),
  ])!;
  assert.equal(drop.containment, 'dropOff');
  const abandoned = project([...base, ev('session.ended', 9, { reason: 'GuestAbandoned' })])!;
  assert.equal(abandoned.containment, 'dropOff');
  const agent = project([...base, ev('bot.handoff', 5, {}), ev('session.ended', 9, {})])!;
  assert.equal(agent.containment, 'agent');
  const explicit = project([
    ...base,
    ev('bot.handoff', 5, {}),
    ev('session.ended', 9, { containment: 'selfService' }),
  ])!;
  assert.equal(explicit.containment, 'selfService');
  assert.equal(project(inboundChat())!.containment, null);
});

test('activities, tags, call params, files, recordings and stats are collected', () => {
  const session = project([
    ev('session.created', 0, { channel: 'chat', guest: { callParams: { tier: 'gold' } } }),
    ev('message', 1, { from: 'guest', text: 'hi', lang: 'cs' }),
    ev('message', 2, { from: 'bot', text: 'hello', lang: 'en' }),
    ev('file.shared', 3, {
      from: 'guest',
      file: { id: 'f1', name: 'a.png', contentType: 'image/png', size: 10 },
    }),
    ev('recording.available', 4, {
      recording: { id: 'r1', durationMs: 5000, started: '2026-03-02T09:00:01Z' },
    }),
    ev('tags.added', 5, {
      tags: [
        { name: 'vip', scope: 'session' },
        { name: 'x', scope: 'user', value: '1' },
      ],
    }),
    ev('tags.removed', 6, { tags: [{ name: 'x', scope: 'user' }] }),
    ev('callparams.updated', 7, { params: { tier: 'silver', lang: 'cs' } }),
    ev('feedback', 8, { stars: 4 }),
    ev('session.log', 9, { message: 'note' }),
    ev('bot.task', 10, { name: 't', status: 'failed' }),
  ])!;
  assert.deepEqual(session.stats, {
    messages: 2,
    guestMessages: 1,
    operatorMessages: 0,
    botMessages: 1,
    tasksCompleted: 0,
    tasksFailed: 1,
    languages: ['cs', 'en'],
  });
  assert.deepEqual(session.tags, [{ name: 'vip', scope: 'session', value: null }]);
  assert.equal(session.callParams.tier.value, 'silver');
  assert.equal(session.files[0].id, 'f1');
  assert.equal(session.recordings[0].started, T0 + 1000);
  assert.equal(session.feedback!.stars, 4);
  assert.deepEqual(
    session.activities.map((a) => a.type),
    ['ChatMessage', 'ChatbotMessage', 'SharedFile'],
  );
  assert.deepEqual(session.log, [{ at: T0 + 9000, message: 'note' }]);
});

test('property: any permutation and duplication of a simulated session projects the same', () => {
  const r = rng(99);
  const sessions = Array.from({ length: 40 }, (_, i) => simulateSession(r, defaultModel, i, T0 + i * 60_000));
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: sessions.length - 1 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      fc.integer(),
      (which, duplicates, seed) => {
        const events = sessions[which];
        const expected = project(events);
        const shuffleRng = rng(seed);
        const mixed = [...events, ...duplicates.map((d) => events[d % events.length])].sort(
          () => shuffleRng() - 0.5,
        );
        assert.deepEqual(project(mixed), expected);
      },
    ),
    { numRuns: 300 },
  );
});

test('simulator: deterministic per seed, covers every path', () => {
  const options = { seed: 5, sessions: 400, start: T0, end: T0 + 3 * 86_400_000 };
  const a = [...simulate(options)];
  assert.deepEqual([...simulate(options)], a);
  assert.notDeepEqual([...simulate({ ...options, seed: 6 })][0], a[0]);
  const projected = a.map((events) => project(events)!);
  const has = (predicate: (s: (typeof projected)[number]) => boolean) => projected.some(predicate);
  assert.ok(has((s) => s.channel === 'chat' && s.bot === null));
  assert.ok(has((s) => s.channel === 'av' && s.recordings.length > 0));
  assert.ok(has((s) => s.channel === 'phone' && s.holdCount > 0));
  assert.ok(has((s) => s.source === 'Callback'));
  assert.ok(has((s) => s.campaign?.mode === 'preview'));
  assert.ok(has((s) => s.routing.some((r) => r.activityType === 'OperatorTimeoutExpired')));
  assert.ok(has((s) => s.routing.some((r) => r.activityType === 'ForwardedToGroup')));
  assert.ok(
    has((s) => s.guestLeftQueue !== null),
    'abandons',
  );
  for (const c of ['selfService', 'dropOff', 'agent'] as const)
    assert.ok(
      has((s) => s.containment === c),
      c,
    );
  assert.ok(
    has((s) => s.bot !== null && s.stats.guestMessages === 0),
    'non-interactive bot sessions',
  );
  assert.ok(
    projected.every((s) => s.status === 'CLOSED'),
    'every simulated session ends and concludes',
  );
  const times = a.map((events) => Date.parse(events[0].at));
  assert.deepEqual(
    times,
    [...times].sort((x, y) => x - y),
  );
});
