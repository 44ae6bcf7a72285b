/** Maps the derived session to the native wire shape. */
import { operatorDurations, sessionDurations } from '../domain/durations.js';
import { botIdsOf, type Session } from '../domain/session.js';
import type { NativeSession, SessionSummary } from './schemas.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null) => (ms === null ? null : iso(ms));

export interface Links {
  /** Absolute URL of a file's or recording's bytes. */
  file(sessionId: string, fileId: string): string;
}

export function toSummary(s: Session, now: number): SessionSummary {
  return {
    sessionId: s.sessionId,
    channel: s.channel,
    source: s.source,
    direction: s.direction,
    status: s.status,
    created: iso(s.created),
    started: isoOrNull(s.started),
    guestJoined: isoOrNull(s.guestJoined),
    ended: isoOrNull(s.ended),
    durations: sessionDurations(s, now),
    containment: s.containment,
    groups: s.groups,
    operatorIds: s.operators.map((o) => o.id),
    botIds: botIdsOf(s),
    eventCount: s.eventCount,
  };
}

export function toNativeSession(s: Session, now: number, links: Links): NativeSession {
  return {
    ...toSummary(s, now),
    operators: s.operators.map((op) => ({
      id: op.id,
      userId: op.userId,
      firstName: op.firstName,
      lastName: op.lastName,
      userName: op.userName,
      joined: isoOrNull(op.joined),
      left: isoOrNull(op.left),
      concluded: isoOrNull(op.concluded),
      note: op.note,
      durations: operatorDurations(s, op, now),
    })),
    routing: s.routing.map((r) => ({ ...r, timestamp: iso(r.timestamp) })),
    activities: s.activities.map((a) => ({ ...a, time: iso(a.time) })),
    chatbots: s.chatbots.map((b) => ({ ...b, joined: iso(b.joined), left: isoOrNull(b.left) })),
    tags: s.tags,
    callParams: Object.fromEntries(
      Object.entries(s.callParams).map(([k, v]) => [k, { value: v.value, updated: iso(v.updated) }]),
    ),
    feedback: s.feedback,
    recordings: s.recordings.map((r) => ({
      ...r,
      started: isoOrNull(r.started),
      available: iso(r.available),
      deleted: isoOrNull(r.deleted ?? null),
      downloadUrl: links.file(s.sessionId, r.id),
    })),
    files: s.files.map((f) => ({
      ...f,
      shared: iso(f.shared),
      deleted: isoOrNull(f.deleted ?? null),
      downloadUrl: links.file(s.sessionId, f.id),
    })),
    guest: s.guest,
    createdBy: s.createdBy,
    campaign: s.campaign,
    telephony: s.telephony,
    bot: s.bot,
    directCallNumber: s.directCallNumber,
    phoneCallbackNumber: s.phoneCallbackNumber,
    url: s.url,
    widget: s.widget,
    isDirectChat: s.isDirectChat,
    blacklisted: s.blacklisted,
    guestLeft: s.guestLeft ? { at: iso(s.guestLeft.at), state: s.guestLeft.state } : null,
    held: s.held ? { ...s.held, since: iso(s.held.since) } : null,
    holdCount: s.holdCount,
    holdMs: s.holdMs,
    dialResult: s.dialResult,
    anonymized: isoOrNull(s.anonymized ?? null),
    termination: s.termination,
    stats: s.stats,
    log: s.log.map((l) => ({ at: iso(l.at), message: l.message })),
    statusHistory: s.statusHistory.map((h) => ({ at: iso(h.at), status: h.status })),
    lastEventAt: iso(s.lastEventAt),
  };
}
