/**
 * What changed in a session, as mluvii webhook events. Pure: a function of the session before and after a
 * batch, so a duplicate event (which changes nothing) sends nothing and out-of-order events still send each
 * change once.
 */
import { canonicalJson } from '../../domain/canonical.js';
import type { Activity, Session } from '../../domain/session.js';
import { stableIntId } from '../../domain/projector.js';
import { mluviiChannel } from './map.js';
import { isoOffset, isoOffsetOrNull } from './format.js';

/** SessionActivityType names (mluvii's full list); webhooks name them `SessionActivity<Type>`. */
export const ACTIVITY_TYPES = [
  'ChatMessage',
  'SharedFile',
  'SharedScreen',
  'PhotoRequest',
  'CobrowsingStarted',
  'CobrowsingStoppedByGuest',
  'ScreenSharingFailedByGuest',
  'FileUploadFailed',
  'HeroCard',
  'HeroCardSubmission',
  'ChatbotMessage',
  'CallScript',
  'CallScriptSubmission',
  'WelcomeMessage',
  'LastFarewellMessage',
  'PreviewUrl',
  'Location',
  'HeroCardQuickReply',
  'LocationRequest',
  'ExternalMessage',
  'OnHold',
  'ResumeGuest',
  'AvRequest',
  'AvResponse',
  'AvGetMediaResult',
  'AvTerminated',
  'ChatToMail',
  'AutoActivity',
  'ChatbotHeroCardSubmission',
  'AutoActivityAsOperator',
  'NotifyOperator',
  'UpgradeToFull',
  'SessionEnded',
  'SessionForwarded',
  'OperatorInvited',
  'OperatorInviteCanceled',
  'OperatorInviteRejected',
  'OperatorKicked',
  'Handoff',
  'Joined',
  'Left',
] as const;

export interface WebhookEvent {
  eventType: string;
  /** When it happened, for ordering within one batch. */
  at: number;
  data: Record<string, unknown>;
}

/** The typical order of mluvii's events for one instant. */
const ORDER = [
  'SessionCreated',
  'SessionStarted',
  'SessionOperatorJoined',
  'SessionForwarded',
  'SessionCallParamsUpdated',
  'GuestIdentityUpdated',
  'SessionRecordingPostProcessingCompleted',
  'SessionEnded',
  'SessionOperatorLeft',
  'SessionOperatorConcluded',
];
/** Activities that mirror a lifecycle event follow it; other activities come before the session ends. */
const FOLLOWS: Record<string, string> = {
  SessionActivityJoined: 'SessionOperatorJoined',
  SessionActivitySessionForwarded: 'SessionForwarded',
  SessionActivitySessionEnded: 'SessionEnded',
  SessionActivityLeft: 'SessionOperatorLeft',
};
const rank = (eventType: string): number => {
  const index = ORDER.indexOf(eventType);
  if (index !== -1) return index;
  const follows = FOLLOWS[eventType];
  return follows ? ORDER.indexOf(follows) + 0.1 : ORDER.indexOf('SessionForwarded') + 0.5;
};

/** An activity's identity across projections; not its text, which anonymization blanks. */
const activityKey = (a: Activity) =>
  canonicalJson([a.time, a.type, a.client, a.operatorId, a.botId, a.fileId, a.toOperatorUserId, a.toGroupId]);

/** Events of `after` not already in `before`, in time order (the typical order within one instant). */
export function webhookEvents(
  previous: Session | null,
  after: Session,
  id: number,
  tenantId: number,
  downloadUrl: (fileId: string) => string,
): WebhookEvent[] {
  // Nothing is sent for a session until its session.created arrives; then everything so far, in time order,
  // so receivers always see SessionCreated first even when a producer's events arrive out of order.
  if (after.channel === null) return [];
  const before = previous?.channel == null ? null : previous;
  const base = { id, tenantId, channel: mluviiChannel(after.channel), source: after.source };
  const out: WebhookEvent[] = [];
  const emit = (eventType: string, at: number, data: Record<string, unknown>) =>
    out.push({ eventType, at, data });

  if ((before === null || before.channel === null) && after.channel !== null)
    emit('SessionCreated', after.created, base);
  if (before?.started == null && after.started !== null) {
    emit('SessionStarted', after.started, { ...base, started: isoOffset(after.started) });
  }
  if (before?.ended == null && after.ended !== null) {
    emit('SessionEnded', after.ended, {
      ...base,
      started: isoOffsetOrNull(after.started),
      ended: isoOffset(after.ended),
    });
  }
  for (const op of after.operators) {
    const was = before?.operators.find((o) => o.id === op.id);
    for (const [field, eventType] of [
      ['joined', 'SessionOperatorJoined'],
      ['left', 'SessionOperatorLeft'],
      ['concluded', 'SessionOperatorConcluded'],
    ] as const) {
      const at = op[field];
      if (at !== null && at !== (was?.[field] ?? null)) {
        emit(eventType, at, { ...base, userId: op.userId, time: isoOffset(at) });
      }
    }
  }
  const seenRouting = new Set((before?.routing ?? []).map((r) => canonicalJson(r)));
  for (const r of after.routing) {
    if (!r.activityType.startsWith('ForwardedTo') || seenRouting.has(canonicalJson(r))) continue;
    emit('SessionForwarded', r.timestamp, {
      ...base,
      time: isoOffset(r.timestamp),
      userId: r.operator?.userId ?? null,
      operatorGroupId: r.group?.id ?? null,
      chatbotId: null,
    });
  }
  if (before !== null && canonicalJson(before.callParams) !== canonicalJson(after.callParams)) {
    const at = Math.max(...Object.values(after.callParams).map((p) => p.updated), after.lastEventAt);
    emit('SessionCallParamsUpdated', at, { id, tenantId });
  }
  if (before !== null && (before.guest?.identity ?? null) !== (after.guest?.identity ?? null)) {
    emit('GuestIdentityUpdated', after.lastEventAt, { id, tenantId });
  }
  const knownRecordings = new Set((before?.recordings ?? []).map((r) => r.id));
  for (const r of after.recordings) {
    if (!knownRecordings.has(r.id))
      emit('SessionRecordingPostProcessingCompleted', r.available, { id, tenantId });
  }
  const knownActivities = new Map<string, number>();
  for (const a of before?.activities ?? []) {
    const key = activityKey(a);
    knownActivities.set(key, (knownActivities.get(key) ?? 0) + 1);
  }
  for (const a of after.activities) {
    const key = activityKey(a);
    const count = knownActivities.get(key) ?? 0;
    if (count > 0) {
      knownActivities.set(key, count - 1);
      continue;
    }
    const file = a.fileId === null ? null : after.files.find((f) => f.id === a.fileId);
    emit(`SessionActivity${a.type}`, a.time, {
      sessionId: id,
      activityId: a.activityId,
      time: isoOffset(a.time),
      type: a.type,
      client: a.client,
      userId: a.userId,
      text: a.text,
      file: file ? { id: stableIntId(file.id), name: file.name, downloadUrl: downloadUrl(file.id) } : null,
      toOperatorUserId: a.toOperatorUserId,
      toGroupId: a.toGroupId,
      toGroupName: a.toGroupName,
      toPhoneNumber: a.toPhoneNumber,
      terminationReason: a.terminationReason,
    });
  }
  return out.sort((a, b) => a.at - b.at || rank(a.eventType) - rank(b.eventType));
}
