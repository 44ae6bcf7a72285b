import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jsonArrays, LoopTurns, STATEMENT_JSON_CHARS } from '../../src/loop-turns.js';

/** Busy work of about `ms` milliseconds. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('a long map gives the event loop a turn about every budget, and keeps order', async () => {
  let turnsTaken = 0;
  const ticker = setInterval(() => turnsTaken++, 0);
  const turns = new LoopTurns(5, 1);
  const started = performance.now();
  const out = await turns.map([...Array(40).keys()], (i) => {
    spin(1);
    return i * 2;
  });
  clearInterval(ticker);
  assert.deepEqual(
    out,
    [...Array(40).keys()].map((i) => i * 2),
  );
  // 40 ms of work in 5 ms slices: the timer ran between them (a plain loop would give it no turn at all).
  assert.ok(turnsTaken >= 3, `the timer ran ${turnsTaken} times in ${performance.now() - started} ms`);
});

test('due() reads the clock only every checkEvery calls', () => {
  const turns = new LoopTurns(0, 4);
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8].map(() => turns.due()),
    [false, false, false, true, false, false, false, true],
  );
});

test('jsonArrays: bounded texts that parse back to every row, in order', async () => {
  const rows = [...Array(3_000).keys()].map((i) => ({ i, text: 'x'.repeat(900) }));
  const arrays = await jsonArrays(rows, (r) => r, new LoopTurns());
  assert.ok(arrays.length >= 3, `${arrays.length} arrays`);
  for (const text of arrays) assert.ok(text.length <= STATEMENT_JSON_CHARS + 2, `${text.length} chars`);
  assert.deepEqual(
    arrays.flatMap((text) => JSON.parse(text) as unknown[]),
    rows,
  );
  // A row longer than the bound travels alone; no rows, no statements.
  const huge = { text: 'y'.repeat(STATEMENT_JSON_CHARS + 10) };
  assert.deepEqual(
    (await jsonArrays([{ a: 1 }, huge, { b: 2 }], (r) => r, new LoopTurns())).map((t) => JSON.parse(t)),
    [[{ a: 1 }], [huge], [{ b: 2 }]],
  );
  assert.deepEqual(await jsonArrays([], (r) => r, new LoopTurns()), []);
});
