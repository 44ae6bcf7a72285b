/**
 * The stored form of a session's contribution (`sessions.contribution`, migration 030): a few dozen bytes
 * instead of the ~530 of the same value as jsonb, which was half of every session row. Pure.
 *
 * Layout (format 1; every number is a varint, signed ones zigzagged):
 *
 *   1            format
 *   n, n × str   the channels (a session has one; kept as a table so any value round-trips)
 *   0 | 1        no queue contribution | one:
 *     q, channel index, bucket / BUCKET_MS, v.length, v…, m.length, m…
 *   n            dimension contributions, each:
 *     0 | 1 (operator | bot), key (str), channel index, bucket / BUCKET_MS − the previous bucket written,
 *     v.length, v…, m.length, m…
 *
 * A string is its UTF-8 byte length then its bytes. A maximum is 0 for null, 1 for "equal to its sum" (a
 * session's maximum is its only value: wait_max = wait_sum when wait_count = 1) and zigzag(x) + 2 otherwise.
 * Lengths are stored, so a queue contribution stored before `sl_counted` existed (17 counters) stays so.
 *
 * Anything this layout cannot hold exactly (a number that is not an integer of magnitude ≤ 2^50, a bucket not on the 15-minute
 * grid, an unknown dimension) is stored as format 0: the JSON text. Contribution functions never produce one.
 */
import {
  BUCKET_MS,
  type Contribution,
  type DimensionContribution,
  type QueueContribution,
} from './contribution.js';

const JSON_FORMAT = 0;
const BINARY_FORMAT = 1;
const DIMENSIONS = ['operator', 'bot'] as const;

/** For each maximum, the counter holding its sum (the "equal to its sum" shorthand). */
const QUEUE_MAX_SUMS = [5, 7, 9, 11, 13];
const MAX_SUMS: Record<DimensionContribution['d'], number[]> = { operator: [1, 3, 5], bot: [] };

/** Signed to unsigned: 0, −1, 1, −2… → 0, 1, 2, 3… (exact up to LIMIT). */
const zigzag = (x: number) => (x >= 0 ? x * 2 : -x * 2 - 1);
const unzigzag = (z: number) => (z % 2 === 0 ? z / 2 : -(z + 1) / 2);

class Writer {
  private buffer = Buffer.allocUnsafe(128);
  private length = 0;

  private room(n: number): void {
    if (this.length + n <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + n));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  /** A non-negative integer (past 2^31: arithmetic, not 32-bit bit operations). */
  unsigned(x: number): void {
    this.room(8);
    while (x >= 0x80) {
      this.buffer[this.length++] = (x % 0x80) + 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buffer[this.length++] = x;
  }

  signed(x: number): void {
    this.unsigned(zigzag(x));
  }

  string(s: string): void {
    const n = Buffer.byteLength(s);
    this.unsigned(n);
    this.room(n);
    this.length += this.buffer.write(s, this.length);
  }

  bytes(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.length));
  }
}

class Reader {
  private at = 0;
  constructor(private readonly buffer: Buffer) {}

  unsigned(): number {
    let x = 0;
    let scale = 1;
    for (;;) {
      if (this.at >= this.buffer.length) throw new Error('contribution bytes end inside a number');
      const byte = this.buffer[this.at++];
      x += (byte & 0x7f) * scale;
      if (byte < 0x80) return x;
      scale *= 0x80;
    }
  }

  signed(): number {
    return unzigzag(this.unsigned());
  }

  string(): string {
    const n = this.unsigned();
    if (this.at + n > this.buffer.length) throw new Error('contribution bytes end inside a string');
    const s = this.buffer.toString('utf8', this.at, this.at + n);
    this.at += n;
    return s;
  }

  done(): boolean {
    return this.at === this.buffer.length;
  }
}

/**
 * The largest magnitude stored as a varint: its zigzag (plus 2, for a maximum) is still an exact double. 2^50 ms
 * is 35,000 years; a number beyond it sends the contribution to the JSON format.
 */
const LIMIT = 2 ** 50;
const fits = (x: number) => Number.isInteger(x) && Math.abs(x) <= LIMIT;
const safe = (x: number | null) => x === null || fits(x);
const onGrid = (b: number) => Number.isSafeInteger(b) && b % BUCKET_MS === 0;

/** Whether format 1 holds `c` exactly. */
function fitsBinary(c: Contribution): boolean {
  const parts: (QueueContribution | DimensionContribution)[] = c.queue
    ? [c.queue, ...c.dimensions]
    : c.dimensions;
  return (
    (c.queue === null || fits(c.queue.q)) &&
    c.dimensions.every((d) => DIMENSIONS.includes(d.d)) &&
    parts.every((p) => onGrid(p.b) && p.v.every(safe) && p.m.every(safe))
  );
}

function writeValues(w: Writer, v: number[], m: (number | null)[], sums: number[]): void {
  w.unsigned(v.length);
  for (const x of v) w.signed(x);
  w.unsigned(m.length);
  m.forEach((x, i) => {
    if (x === null) w.unsigned(0);
    else if (i < sums.length && sums[i] < v.length && v[sums[i]] === x) w.unsigned(1);
    else w.unsigned(zigzag(x) + 2);
  });
}

function readValues(r: Reader, sums: number[]): { v: number[]; m: (number | null)[] } {
  const v = Array.from({ length: r.unsigned() }, () => r.signed());
  const m = Array.from({ length: r.unsigned() }, (_, i) => {
    const x = r.unsigned();
    if (x === 0) return null;
    if (x === 1) return v[sums[i]];
    return unzigzag(x - 2);
  });
  return { v, m };
}

/** The stored bytes of a contribution (see the layout above). */
export function encodeContribution(c: Contribution): Buffer {
  if (!fitsBinary(c)) return Buffer.concat([Buffer.of(JSON_FORMAT), Buffer.from(JSON.stringify(c))]);
  const w = new Writer();
  w.unsigned(BINARY_FORMAT);
  const channels = [...new Set([...(c.queue ? [c.queue.c] : []), ...c.dimensions.map((d) => d.c)])];
  w.unsigned(channels.length);
  for (const channel of channels) w.string(channel);
  let bucket = 0;
  if (c.queue === null) w.unsigned(0);
  else {
    w.unsigned(1);
    w.signed(c.queue.q);
    w.unsigned(channels.indexOf(c.queue.c));
    bucket = c.queue.b / BUCKET_MS;
    w.signed(bucket);
    writeValues(w, c.queue.v, c.queue.m, QUEUE_MAX_SUMS);
  }
  w.unsigned(c.dimensions.length);
  for (const d of c.dimensions) {
    w.unsigned(DIMENSIONS.indexOf(d.d));
    w.string(d.k);
    w.unsigned(channels.indexOf(d.c));
    w.signed(d.b / BUCKET_MS - bucket);
    bucket = d.b / BUCKET_MS;
    writeValues(w, d.v, d.m, MAX_SUMS[d.d]);
  }
  return w.bytes();
}

/** The contribution stored as `stored` (a `bytea`: PGlite reads it as a Uint8Array); throws on bytes that are not one. */
export function decodeContribution(stored: Uint8Array): Contribution {
  const bytes = Buffer.isBuffer(stored)
    ? stored
    : Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength);
  if (bytes.length === 0) throw new Error('empty contribution bytes');
  if (bytes[0] === JSON_FORMAT) return JSON.parse(bytes.toString('utf8', 1)) as Contribution;
  const r = new Reader(bytes);
  const format = r.unsigned();
  if (format !== BINARY_FORMAT) throw new Error(`unknown contribution format ${format}`);
  const channels = Array.from({ length: r.unsigned() }, () => r.string());
  const channel = () => {
    const i = r.unsigned();
    if (i >= channels.length) throw new Error('contribution channel index out of range');
    return channels[i];
  };
  let bucket = 0;
  let queue: QueueContribution | null = null;
  if (r.unsigned() === 1) {
    const q = r.signed();
    const c = channel();
    bucket = r.signed();
    const { v, m } = readValues(r, QUEUE_MAX_SUMS);
    queue = { q, c, b: bucket * BUCKET_MS, v, m };
  }
  const dimensions = Array.from({ length: r.unsigned() }, (): DimensionContribution => {
    const d = DIMENSIONS[r.unsigned()];
    if (d === undefined) throw new Error('unknown contribution dimension');
    const k = r.string();
    const c = channel();
    bucket += r.signed();
    const { v, m } = readValues(r, MAX_SUMS[d]);
    return { d, k, c, b: bucket * BUCKET_MS, v, m };
  });
  if (!r.done()) throw new Error('contribution bytes go on past their end');
  return { queue, dimensions };
}
