/**
 * GDPR anonymization of one stored event: the guest's personal data and every message text are removed;
 * timestamps, types and operators stay, so every duration is unchanged. Pure.
 */
import type { SessionEvent } from './events.js';

const KEEP_GUEST = ['language', 'os', 'browser'] as const;
const PERSONAL_TELEPHONY = ['from', 'fromName', 'callbackNumber', 'customerId', 'customerName'] as const;

/** The event without personal data, or null when it holds none. */
export function anonymizeEvent(event: SessionEvent): SessionEvent | null {
  if (event.type === 'session.created') {
    const copy = { ...event } as Record<string, unknown> & typeof event;
    let changed = false;
    if (event.guest) {
      const guest: Record<string, unknown> = {};
      for (const key of KEEP_GUEST) if (event.guest[key] !== undefined) guest[key] = event.guest[key];
      copy.guest = guest;
      changed = true;
    }
    if (event.phoneCallbackNumber !== undefined) {
      delete copy.phoneCallbackNumber;
      changed = true;
    }
    if (event.telephony) {
      const telephony: Record<string, unknown> = { ...event.telephony };
      for (const key of PERSONAL_TELEPHONY) {
        if (telephony[key] !== undefined) {
          delete telephony[key];
          changed = true;
        }
      }
      copy.telephony = telephony;
    }
    if (event.bot?.userId !== undefined) {
      copy.bot = { ...event.bot };
      delete copy.bot.userId;
      changed = true;
    }
    return changed ? copy : null;
  }
  if (event.type === 'message') return event.text === '' ? null : { ...event, text: '' };
  if (event.type === 'feedback') {
    if (event.text === undefined) return null;
    const copy = { ...event };
    delete copy.text;
    return copy;
  }
  if (event.type === 'callparams.updated') {
    return Object.keys(event.params).length === 0 ? null : { ...event, params: {} };
  }
  return null;
}
