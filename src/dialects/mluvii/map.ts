/**
 * The derived session in mluvii's Public API shapes (SessionModel, RoutingTimeLine). Pure: the caller passes
 * the integer id, the department, the links and which files have bytes.
 */
import { sessionDurations } from '../../domain/durations.js';
import { stableIntId } from '../../domain/projector.js';
import type { OperatorRef, RoutingItem, Session } from '../../domain/session.js';
import { isoDuration, isoOffset, isoOffsetOrNull } from './format.js';

export interface MluviiContext {
  /** The session's integer id. */
  id: number;
  departmentId: number;
  now: number;
  /** Absolute download URL of a file or recording of this session. */
  downloadUrl(fileId: string): string;
  /** Whether the bytes of a file or recording were uploaded. */
  uploaded(fileId: string): boolean;
}

/** The one company of an installation: mluvii's companyId groups departments, Switchboard has one level. */
export const COMPANY_ID = 1;

const CHANNELS: Record<string, string> = { chat: 'Chat', av: 'AV', phone: 'Phone' };

export const mluviiChannel = (channel: string | null): string => CHANNELS[channel ?? ''] ?? 'UNKNOWN';

const personRef = (op: OperatorRef | null) =>
  op ? { userId: op.userId, firstName: op.firstName, lastName: op.lastName } : null;

export function routingTimeLine(items: RoutingItem[]) {
  return items.map((r) => ({
    routingRequestId: r.routingRequestId,
    timestamp: isoOffset(r.timestamp),
    activityType: r.activityType,
    group: r.group ? { id: r.group.id, name: r.group.name ?? null } : null,
    phoneNumber: r.phoneNumber,
    operator: personRef(r.operator),
    forwardedByOperator: personRef(r.forwardedByOperator),
    invitedByOperator: personRef(r.invitedByOperator),
  }));
}

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * GuestLeftSession: the state the producer sent, else what the timeline implies — the guest left before an
 * operator accepted (LeftQueue), during (LeftSession) or after the session (LeftAfterSession), or is still
 * connected to an open session.
 */
function guestLeftSession(s: Session): string {
  if (s.guestLeft?.state) return s.guestLeft.state;
  if (s.guestLeft) {
    if (s.started === null) return 'LeftQueue';
    return s.ended !== null && s.guestLeft.at >= s.ended ? 'LeftAfterSession' : 'LeftSession';
  }
  return s.ended === null ? 'StillConnected' : 'UNKNOWN';
}

export function sessionModel(s: Session, ctx: MluviiContext) {
  const durations = sessionDurations(s, ctx.now);
  const guest = s.guest ?? {};
  const callParams = Object.fromEntries(Object.entries(s.callParams).map(([k, v]) => [k, v.value]));
  const chatbotIdOf = (botId: string | null) =>
    botId === null ? null : (s.chatbots.find((b) => b.botId === botId)?.chatbotId ?? null);
  const fileOf = (fileId: string) => {
    const file = s.files.find((f) => f.id === fileId);
    if (!file) return null;
    const deleted = (file.deleted ?? null) !== null;
    return {
      id: stableIntId(file.id),
      name: file.name,
      downloadUrl: ctx.downloadUrl(file.id),
      isUploading: !deleted && !ctx.uploaded(file.id),
      isDeleted: deleted,
    };
  };
  return {
    id: ctx.id,
    companyId: COMPANY_ID,
    departmentId: ctx.departmentId,
    guest: {
      tempId: ctx.id,
      ipAddress: str(guest.ipAddress),
      trackedId: null,
      identity: str(guest.identity),
      channelIdentity: str(guest.phone) ?? str(guest.email),
      os: str(guest.os),
      browser: str(guest.browser),
      language: str(guest.language),
      callParams,
      gdprVersion: null,
    },
    channel: mluviiChannel(s.channel),
    source: s.source,
    status: s.status,
    avSupport: 'UNKNOWN',
    directCallNumber: s.directCallNumber,
    phoneCallbackNumber: s.phoneCallbackNumber,
    isDirectChat: s.isDirectChat,
    url: s.url,
    widget: s.widget === null ? null : typeof s.widget === 'number' ? s.widget : stableIntId(s.widget),
    operators: s.operators.map((op) => ({
      userId: op.userId,
      userName: op.userName,
      firstName: op.firstName,
      lastName: op.lastName,
      joined: isoOffsetOrNull(op.joined),
      left: isoOffsetOrNull(op.left),
      concluded: isoOffsetOrNull(op.concluded),
      note: op.note,
    })),
    reviewers: [],
    enteredQueue: isoOffset(s.created),
    created: isoOffset(s.created),
    guestJoined: isoOffsetOrNull(s.guestJoined),
    started: isoOffsetOrNull(s.started),
    ended: isoOffsetOrNull(s.ended),
    waited: isoDuration(durations.waited),
    length: isoDuration(durations.active),
    blacklisted: s.blacklisted,
    phoneCallbackDialed: s.source === 'Callback' ? isoOffsetOrNull(s.started) : null,
    activities: s.activities.map((a) => ({
      activityId: a.activityId,
      time: isoOffset(a.time),
      type: a.type,
      client: a.client,
      userId: a.userId,
      chatbotId: chatbotIdOf(a.botId),
      file: a.fileId === null ? null : fileOf(a.fileId),
      text: a.text,
      toOperatorUserId: a.toOperatorUserId,
      toGroupId: a.toGroupId,
      toGroupName: a.toGroupName,
      toPhoneNumber: a.toPhoneNumber,
      note: a.note,
      terminationReason: a.terminationReason,
      status: null,
    })),
    tags: s.tags.map((t) => ({ userId: null, name: t.name })),
    chatbots: s.chatbots.map((b) => ({
      chatbotId: b.chatbotId ?? stableIntId(b.botId),
      name: b.name,
      joined: isoOffset(b.joined),
      left: isoOffsetOrNull(b.left),
    })),
    guestFeedbackStars: s.feedback?.stars ?? null,
    guestFeedbackScale: s.feedback?.scale ?? null,
    guestFeedbackText: s.feedback?.text ?? null,
    autoAccepted: false,
    recordings:
      s.recordings.length === 0
        ? null
        : s.recordings.map((r) => {
            const deleted = (r.deleted ?? null) !== null;
            return {
              id: stableIntId(r.id),
              name: r.name,
              started: isoOffsetOrNull(r.started),
              duration: isoDuration(r.durationMs),
              type: r.type,
              userId: null,
              serviceId: null,
              downloadUrl: ctx.downloadUrl(r.id),
              isUploading: !deleted && !ctx.uploaded(r.id),
              isDeleted: deleted,
            };
          }),
    recordingsState: null,
    guestLeftSession: guestLeftSession(s),
    outboundDialResult: s.dialResult,
    campaignId: typeof s.campaign?.id === 'number' ? s.campaign.id : null,
  };
}

export type SessionModel = ReturnType<typeof sessionModel>;
