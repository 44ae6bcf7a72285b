/**
 * Text no store can keep — a NUL character (PostgreSQL text and jsonb refuse it) or a lone UTF-16 surrogate
 * (not Unicode at all) — and JSON nested deeper than anything a client sends, found before any handler runs,
 * in path parameters, the query and the body. The walk is iterative, so a 100,000-deep body cannot overflow
 * the stack; it stops at the first problem.
 */
import { LoopTurns } from '../loop-turns.js';
import { AppError } from './errors.js';

/** Deeper than any event, webhook or filter body (events nest four levels at most). */
export const MAX_DEPTH = 64;

// A NUL, or a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
// eslint-disable-next-line no-control-regex -- the NUL character is what it looks for
const BAD_TEXT = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

type Frame = [unknown, string, number];
type Found = { field: string; message: string };

/**
 * Walks at most `budget` values of the stack; answers the first hostile value, null when the walk is done,
 * or 'more' when the budget ran out first (the stack holds the rest).
 */
function walk(stack: Frame[], budget: number): Found | null | 'more' {
  while (stack.length > 0) {
    if (budget-- <= 0) return 'more';
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      if (BAD_TEXT.test(value))
        return { field: path, message: 'contains a NUL character or an unpaired surrogate' };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    // A streamed upload or a Buffer is bytes, not values.
    if (Buffer.isBuffer(value) || typeof (value as { pipe?: unknown }).pipe === 'function') continue;
    if (depth >= MAX_DEPTH) return { field: path, message: `is nested deeper than ${MAX_DEPTH} levels` };
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`, depth + 1]);
    } else {
      for (const [key, inner] of Object.entries(value)) {
        if (BAD_TEXT.test(key))
          return {
            field: `${path}.${key}`,
            message: 'a key contains a NUL character or an unpaired surrogate',
          };
        stack.push([inner, `${path}.${key}`, depth + 1]);
      }
    }
  }
  return null;
}

/** The path and the reason of the first hostile value in `root`, or null. */
export function hostileValue(root: unknown, name: string): Found | null {
  return walk([[root, name, 0]], Infinity) as Found | null;
}

/** Values walked between looks at the clock, when walking in slices. */
const SLICE_VALUES = 2_000;

/**
 * `hostileValue` for big bodies: walks in slices of about 10 ms and lets the event loop run between them, so
 * a 10,000-event batch does not hold every other request for the whole walk.
 */
export async function hostileValueSliced(root: unknown, name: string): Promise<Found | null> {
  const stack: Frame[] = [[root, name, 0]];
  const turns = new LoopTurns(10, 1);
  for (;;) {
    const found = walk(stack, SLICE_VALUES);
    if (found !== 'more') return found;
    if (turns.due()) await turns.next();
  }
}

/** Throws a 400 naming the first hostile value of a request's parameters, query or body. */
export function refuseHostileInput(request: { params: unknown; query: unknown; body: unknown }): void {
  for (const [value, name] of [
    [request.params, 'path'],
    [request.query, 'query'],
    [request.body, 'body'],
  ] as const) {
    const found = hostileValue(value, name);
    if (found) throw new AppError('validation_failed', `${found.field} ${found.message}`, [found]);
  }
}

/** `refuseHostileInput`, walking the body in slices (see `hostileValueSliced`). */
export async function refuseHostileInputSliced(request: {
  params: unknown;
  query: unknown;
  body: unknown;
}): Promise<void> {
  refuseHostileInput({ params: request.params, query: request.query, body: undefined });
  const found = await hostileValueSliced(request.body, 'body');
  if (found) throw new AppError('validation_failed', `${found.field} ${found.message}`, [found]);
}
