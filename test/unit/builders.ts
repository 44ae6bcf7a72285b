/** Terse builders of native events for unit tests: times are seconds after T0. */
import type { EventOf, EventType, SessionEvent } from '../../src/domain/events.js';

export const T0 = Date.parse('2026-03-02T09:00:00.000Z');
export const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

let counter = 0;
export function ev<T extends EventType>(
  type: T,
  seconds: number,
  fields: Omit<EventOf<T>, 'id' | 'sessionId' | 'type' | 'at'>,
  sessionId = 's1',
): SessionEvent {
  counter++;
  return {
    id: `e${String(counter).padStart(6, '0')}`,
    sessionId,
    type,
    at: at(seconds),
    ...fields,
  } as SessionEvent;
}

export const alice = { id: '101', firstName: 'Alice', lastName: 'A' };
export const bob = { id: 'bob.smith', firstName: 'Bob', lastName: 'B' };
export const sales = { id: 1, name: 'Sales' };
export const support = { id: 2, name: 'Support' };

/** A plain inbound chat: routed, accepted by Alice, talked, ended, concluded. */
export function inboundChat(): SessionEvent[] {
  return [
    ev('session.created', 0, { channel: 'chat', source: 'Default' }),
    ev('guest.joined', 1, {}),
    ev('routing.requested', 3, { group: sales }),
    ev('routing.queued', 3, { group: sales }),
    ev('routing.dequeued', 20, { group: sales }),
    ev('routing.assigned', 20, { operator: alice }),
    ev('routing.accepted', 25, { operator: alice }),
    ev('operator.joined', 25, { operator: alice }),
    ev('message', 30, { from: 'guest', text: 'hi', lang: 'en' }),
    ev('message', 40, { from: 'operator', text: 'hello', operator: alice, lang: 'en' }),
    ev('guest.left', 100, { state: 'LeftSession' }),
    ev('operator.left', 100, { operator: alice }),
    ev('session.ended', 100, { reason: 'GuestLeft' }),
    ev('operator.concluded', 160, { operator: alice, note: 'done' }),
  ];
}
