/**
 * Validation of incoming native events: every bad event is reported by index and field, so a producer can
 * fix a whole batch in one round trip.
 */
import { rememberContentHash } from './canonical.js';
import { LoopTurns } from '../loop-turns.js';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import {
  EVENT_TYPES,
  Envelope,
  eventSchema,
  parseInstant,
  type EventType,
  type SessionEvent,
} from './events.js';

export interface EventError {
  /** Position of the event in the batch (0-based). */
  index: number;
  /** Dotted path of the offending field, `''` for the event itself. */
  field: string;
  message: string;
}

const envelopeCheck = TypeCompiler.Compile(Envelope);
const checks = new Map<string, TypeCheck<TSchema>>(
  EVENT_TYPES.map((type) => [type, TypeCompiler.Compile(eventSchema(type))]),
);

function fieldOf(path: string): string {
  return path.replace(/^\//, '').replace(/\//g, '.');
}

/**
 * Checks one raw event. Returns the errors found (empty when valid). At most a handful of errors are kept
 * per event: a wholly wrong object would otherwise produce pages of noise.
 */
export function checkEvent(raw: unknown, index: number): EventError[] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return [{ index, field: '', message: 'an event must be a JSON object' }];
  }
  const event = raw as Record<string, unknown>;
  const check = typeof event.type === 'string' ? checks.get(event.type) : undefined;
  // The fast path: Check() is compiled code; Errors() is only walked for an event that fails.
  if (
    check?.Check(raw) &&
    typeof event.at === 'string' &&
    parseInstant(event.at) !== null &&
    recordingStartOk(raw)
  )
    return [];
  const errors: EventError[] = [];
  for (const error of envelopeCheck.Errors(raw)) {
    errors.push({ index, field: fieldOf(error.path), message: describe(error.path, error.message) });
    if (errors.length >= 5) return errors;
  }
  if (typeof event.type === 'string' && !checks.has(event.type)) {
    errors.push({ index, field: 'type', message: `unknown event type '${event.type}'` });
  }
  if (
    typeof event.at === 'string' &&
    errors.every((e) => e.field !== 'at') &&
    parseInstant(event.at) === null
  ) {
    errors.push({ index, field: 'at', message: `'${event.at}' is not a valid RFC 3339 timestamp` });
  }
  if (errors.length > 0 || !check) return errors;
  for (const error of check.Errors(raw)) {
    errors.push({ index, field: fieldOf(error.path), message: describe(error.path, error.message) });
    if (errors.length >= 5) break;
  }
  const recording = (event as { recording?: { started?: unknown } }).recording;
  if (
    errors.length === 0 &&
    typeof recording?.started === 'string' &&
    parseInstant(recording.started) === null
  ) {
    errors.push({ index, field: 'recording.started', message: 'not a valid RFC 3339 timestamp' });
  }
  return errors;
}

function recordingStartOk(raw: unknown): boolean {
  const started = (raw as { recording?: { started?: unknown } }).recording?.started;
  return typeof started !== 'string' || parseInstant(started) !== null;
}

function describe(path: string, message: string): string {
  const field = fieldOf(path);
  if (field === 'at') return 'at must be an RFC 3339 timestamp with an offset, e.g. 2026-03-01T09:30:00.123Z';
  if (field === 'sessionId') return 'sessionId must be 1-128 characters of [A-Za-z0-9._:-]';
  return field ? `${field}: ${message}` : message;
}

/** Validates a batch; either every event is valid or the answer lists every bad one. */
export type BatchValidation = { ok: true; events: SessionEvent[] } | { ok: false; errors: EventError[] };

/** Results of `validateBatchSliced`, taken (once) by the next `validateBatch` of the same array. */
const validatedAhead = new WeakMap<readonly unknown[], BatchValidation>();

export function validateBatch(raw: readonly unknown[]): BatchValidation {
  const ahead = validatedAhead.get(raw);
  if (ahead) {
    validatedAhead.delete(raw);
    return ahead;
  }
  const errors = raw.flatMap((event, index) => checkEvent(event, index));
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, events: raw as SessionEvent[] };
}

/**
 * `validateBatch` in slices of about 10 ms with the event loop running between them, also computing each
 * valid event's content hash (`rememberContentHash`): a 10,000-event batch otherwise holds the loop for
 * hundreds of milliseconds. The result is remembered for the next `validateBatch(raw)`, which the intake
 * service calls, so the work is not done twice. `raw` must not change until then.
 */
export async function validateBatchSliced(raw: readonly unknown[]): Promise<BatchValidation> {
  const errors: EventError[] = [];
  const turns = new LoopTurns();
  for (let index = 0; index < raw.length; index++) {
    if (turns.due()) await turns.next();
    const found = checkEvent(raw[index], index);
    if (found.length > 0) errors.push(...found);
    else if (errors.length === 0) rememberContentHash(raw[index] as object);
  }
  const result: BatchValidation =
    errors.length > 0 ? { ok: false, errors } : { ok: true, events: raw as SessionEvent[] };
  validatedAhead.set(raw, result);
  return result;
}

export function isEventType(type: string): type is EventType {
  return checks.has(type);
}
