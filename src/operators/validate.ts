/**
 * Validation of a batch that mixes session events and `operator.state` events: each kind is checked by its
 * own schema, and every error keeps the event's index in the whole batch.
 */
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { parseInstant, type SessionEvent } from '../domain/events.js';
import { validateBatch, type EventError } from '../domain/validate.js';
import { OPERATOR_STATE_TYPE, OperatorStateEvent } from './model.js';

const check = TypeCompiler.Compile(OperatorStateEvent);

const fieldOf = (path: string) => path.replace(/^\//, '').replace(/\//g, '.');

/** The errors of one `operator.state` event (empty when valid); at most five. */
export function checkOperatorEvent(raw: unknown, index: number): EventError[] {
  const at = (raw as { at?: unknown }).at;
  if (check.Check(raw) && parseInstant(at as string) !== null) return [];
  const errors: EventError[] = [];
  for (const error of check.Errors(raw)) {
    const field = fieldOf(error.path);
    const message =
      field === 'at'
        ? 'at must be an RFC 3339 timestamp with an offset, e.g. 2026-03-01T09:30:00.123Z'
        : field === 'sessionId'
          ? 'sessionId (optional for operator.state) must be 1-128 characters of [A-Za-z0-9._:-]'
          : field
            ? `${field}: ${error.message}`
            : error.message;
    if (!errors.some((e) => e.field === field)) errors.push({ index, field, message });
    if (errors.length >= 5) return errors;
  }
  if (errors.length === 0 && typeof at === 'string' && parseInstant(at) === null) {
    errors.push({ index, field: 'at', message: `'${at}' is not a valid RFC 3339 timestamp` });
  }
  return errors;
}

const isOperatorEvent = (raw: unknown) =>
  typeof raw === 'object' && raw !== null && (raw as { type?: unknown }).type === OPERATOR_STATE_TYPE;

/**
 * Validates a batch; either every event is valid (answered split by kind, each in batch order) or the answer
 * lists every bad one by its index in the batch.
 */
export function validateMixedBatch(
  raw: readonly unknown[],
):
  | { ok: true; events: SessionEvent[]; operatorEvents: OperatorStateEvent[] }
  | { ok: false; errors: EventError[] } {
  if (!raw.some(isOperatorEvent)) {
    const checked = validateBatch(raw);
    return checked.ok ? { ...checked, operatorEvents: [] } : checked;
  }
  const sessionIndex: number[] = [];
  const sessionRaw: unknown[] = [];
  const operatorEvents: OperatorStateEvent[] = [];
  const errors: EventError[] = [];
  raw.forEach((event, index) => {
    if (isOperatorEvent(event)) {
      errors.push(...checkOperatorEvent(event, index));
      operatorEvents.push(event as OperatorStateEvent);
    } else {
      sessionIndex.push(index);
      sessionRaw.push(event);
    }
  });
  const checked = validateBatch(sessionRaw);
  if (!checked.ok) errors.push(...checked.errors.map((e) => ({ ...e, index: sessionIndex[e.index] })));
  if (errors.length > 0) return { ok: false, errors: errors.sort((a, b) => a.index - b.index) };
  return { ok: true, events: checked.ok ? checked.events : [], operatorEvents };
}
