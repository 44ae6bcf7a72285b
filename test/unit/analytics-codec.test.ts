import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeContribution, encodeContribution } from '../../src/analytics/codec.js';
import {
  BUCKET_MS,
  COUNTERS,
  contributionOf,
  MAXES,
  OPERATOR_COUNTERS,
  OPERATOR_MAXES,
  type Contribution,
} from '../../src/analytics/contribution.js';
import { botIdsOf } from '../../src/domain/session.js';
import { project } from '../../src/domain/projector.js';
import { simulate } from '../../src/simulator/simulate.js';
import { inboundChat, T0 } from './builders.js';

const roundTrip = (c: Contribution) => decodeContribution(encodeContribution(c));

test('codec: the contribution of every simulated session round-trips, in a few dozen bytes', () => {
  let sessions = 0;
  let bytes = 0;
  let json = 0;
  for (const events of simulate({ seed: 11, sessions: 2000, start: T0, end: T0 + 5 * 86_400_000 })) {
    const session = project(events)!;
    const c = contributionOf(session, botIdsOf(session));
    const encoded = encodeContribution(c);
    assert.equal(encoded[0], 1, 'the binary format');
    assert.deepEqual(decodeContribution(encoded), c);
    sessions++;
    bytes += encoded.length;
    json += Buffer.byteLength(JSON.stringify(c));
  }
  assert.ok(bytes / sessions < 100, `${bytes / sessions} bytes a session`);
  assert.ok(bytes * 3 < json, `${bytes} bytes against ${json} of JSON`);
});

test('codec: the builders’ inbound chat, and a session in no queue', () => {
  const session = project(inboundChat())!;
  const c = contributionOf(session, ['bot-1']);
  assert.ok(c.queue !== null && c.dimensions.length === 2);
  assert.deepEqual(roundTrip(c), c);
  assert.deepEqual(roundTrip({ queue: null, dimensions: [] }), { queue: null, dimensions: [] });
});

test('codec: a queue contribution stored before sl_counted existed keeps its 17 counters', () => {
  const legacy: Contribution = {
    queue: {
      q: 3,
      c: 'phone',
      b: 1_767_249_000_000,
      v: [1, 1, 0, 0, 1, 13643, 1, 131513, 1, 0, 1, 30846, 1, 162359, 1, 0, 0],
      m: [13643, 131513, 0, 30846, 162359],
    },
    dimensions: [],
  };
  assert.equal(legacy.queue!.v.length, COUNTERS.length - 1);
  assert.deepEqual(roundTrip(legacy), legacy);
});

test('codec: large sums, negative values and numbers past the varint range stay exact', () => {
  const big: Contribution = {
    queue: {
      q: 2_147_483_647,
      c: 'chat',
      b: 0,
      v: COUNTERS.map((_, i) => (i % 2 === 0 ? 2 ** 50 : -(2 ** 50))),
      m: [2 ** 50, -(2 ** 50), null, 0, -1],
    },
    dimensions: [
      {
        d: 'operator',
        k: 'ž€😀',
        c: 'chat',
        b: -BUCKET_MS,
        v: [1, 2 ** 40, 1, 0, 1, 2 ** 40, 1, 3],
        m: [2 ** 40, 0, 2 ** 40],
      },
    ],
  };
  const encoded = encodeContribution(big);
  assert.equal(encoded[0], 1);
  assert.deepEqual(decodeContribution(encoded), big);
  // Beyond 2^50, off the bucket grid or not an integer: the JSON format, still exact.
  for (const odd of [
    { ...big.queue!, v: [Number.MAX_SAFE_INTEGER, ...big.queue!.v.slice(1)] },
    { ...big.queue!, m: [-Number.MAX_SAFE_INTEGER, null, null, null, null] },
    { ...big.queue!, b: 1234 },
    { ...big.queue!, v: [0.5, ...big.queue!.v.slice(1)] },
  ]) {
    const c = { queue: odd, dimensions: [] };
    const bytes = encodeContribution(c);
    assert.equal(bytes[0], 0);
    assert.deepEqual(decodeContribution(bytes), c);
  }
});

test('codec: bytes that are not a contribution throw', () => {
  const bytes = encodeContribution(contributionOf(project(inboundChat())!, []));
  assert.throws(() => decodeContribution(Buffer.alloc(0)));
  assert.throws(() => decodeContribution(Buffer.of(7)));
  assert.throws(() => decodeContribution(bytes.subarray(0, bytes.length - 1)));
  assert.throws(() => decodeContribution(Buffer.concat([bytes, Buffer.of(0)])));
});

const value = fc.oneof(
  fc.nat({ max: 3 }),
  fc.integer({ min: 0, max: 10_000_000 }),
  fc.integer({ min: -(2 ** 50), max: 2 ** 50 }),
);
const maximum = fc.option(value, { nil: null });
const bucket = fc.integer({ min: 1_700_000, max: 2_000_000 }).map((i) => i * BUCKET_MS);
const channel = fc.constantFrom('chat', 'phone', 'av', 'email', '');

test('property: any contribution of the produced shapes round-trips exactly', () => {
  const queue = fc.record({
    q: fc.integer({ min: 0, max: 100_000 }),
    c: channel,
    b: bucket,
    v: fc.array(value, { minLength: COUNTERS.length - 1, maxLength: COUNTERS.length }),
    m: fc.array(maximum, { minLength: MAXES.length, maxLength: MAXES.length }),
  });
  const operator = fc.record({
    d: fc.constant('operator' as const),
    k: fc.string(),
    c: channel,
    b: bucket,
    v: fc.array(value, { minLength: OPERATOR_COUNTERS.length, maxLength: OPERATOR_COUNTERS.length }),
    m: fc.array(maximum, { minLength: OPERATOR_MAXES.length, maxLength: OPERATOR_MAXES.length }),
  });
  const bot = fc.record({
    d: fc.constant('bot' as const),
    k: fc.string(),
    c: channel,
    b: bucket,
    v: fc.array(fc.nat({ max: 1 }), { minLength: 4, maxLength: 4 }),
    m: fc.constant([] as (number | null)[]),
  });
  // Maxima equal to their sums, as a session's are (the shorthand), as often as not.
  const withEqualMaxima = (c: Contribution): Contribution => ({
    queue: c.queue && { ...c.queue, m: c.queue.m.map((x, i) => (x === null ? null : c.queue!.v[5 + 2 * i])) },
    dimensions: c.dimensions.map((d) =>
      d.d === 'operator' ? { ...d, m: d.m.map((x, i) => (x === null ? null : d.v[1 + 2 * i])) } : d,
    ),
  });
  fc.assert(
    fc.property(
      fc.record({
        queue: fc.option(queue, { nil: null }),
        dimensions: fc.array(fc.oneof(operator, bot), { maxLength: 6 }),
      }),
      fc.boolean(),
      (c, equal) => {
        // Plain objects (fast-check's records have no prototype).
        const plain = JSON.parse(JSON.stringify(c)) as Contribution;
        const contribution = equal ? withEqualMaxima(plain) : plain;
        const bytes = encodeContribution(contribution);
        assert.equal(bytes[0], 1);
        assert.deepEqual(decodeContribution(bytes), contribution);
      },
    ),
    { numRuns: 2000 },
  );
});
