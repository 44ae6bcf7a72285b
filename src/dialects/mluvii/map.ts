/**
 * The derived session in mluvii's Public API shapes (SessionModel, RoutingTimeLine). Pure: the caller passes
 * the integer id, the department, the links and which files have bytes.
 */
import { sessionDurations } from '../../domain/durations.js';
import { stableIntId } from '../../domain/projector.js';
import type { OperatorRef, RoutingItem, Session } from '../../domain/session.js';
import { isoDuration, isoOffset, isoOffsetOrNull } from './format.js';
import { guestBrowser, guestOs } from './enums.js';

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

/** A value for an `int` (Int32) field, or null: a producer's larger number must not crash a client. */
const int32OrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31
    ? value
    : null;

export function routingTimeLine(items: RoutingItem[]) {
  return items.map((r) => ({
    // Never null in mluvii's type; documents projected before implied requests existed may hold null.
    routingRequestId: r.routingRequestId ?? 0,
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

/** "First Last" of the operator with this mluvii userId, from the operators and the routing timeline. */
function fullNameOf(s: Session, userId: number | null): string | null {
  if (userId === null) return null;
  const op =
    s.operators.find((o) => o.userId === userId) ??
    s.routing.find((r) => r.operator?.userId === userId)?.operator;
  const name = [op?.firstName, op?.lastName].filter(Boolean).join(' ');
  return name === '' ? null : name;
}

export function sessionModel(s: Session, ctx: MluviiContext) {
  const durations = sessionDurations(s, ctx.now);
  const guest = s.guest ?? {};
  const callParams = Object.fromEntries(Object.entries(s.callParams).map(([k, v]) => [k, v.value]));
  const chatbotIdOf = (botId: string | null) =>
    botId === null ? null : int32OrNull(s.chatbots.find((b) => b.botId === botId)?.chatbotId);
  const fileOf = (fileId: string) => {
    const file = s.files.find((f) => f.id === fileId);
    if (!file) return null;
    const deleted = (file.deleted ?? null) !== null;
    return {
      id: stableIntId(file.id),
      operatorOwner: null,
      departmentOwner: null,
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
      // A numeric channel-identity id in mluvii; Switchboard has none (the phone and e-mail stay native).
      channelIdentity: null,
      os: guestOs(guest.os),
      browser: guestBrowser(guest.browser),
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
    widget: s.widget === null ? null : String(s.widget),
    operators: s.operators.map((op) => ({
      userId: op.userId,
      userName: op.userName,
      firstName: op.firstName,
      lastName: op.lastName,
      // Not nullable in mluvii: an operator known only from leaving or concluding joined no later than that.
      joined: isoOffset(op.joined ?? op.left ?? op.concluded ?? s.created),
      left: isoOffsetOrNull(op.left),
      concluded: isoOffsetOrNull(op.concluded),
      // The session's recorded result (session.ended `outcome`), the value the Result filter matches.
      feedbackResult: s.termination?.outcome ?? null,
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
    phoneCallbackDialed: s.source === 'Callback' ? isoOffsetOrNull(s.dialed ?? s.started) : null,
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
      toOperatorFullName: fullNameOf(s, a.toOperatorUserId),
      toGroupId: a.toGroupId,
      toGroupName: a.toGroupName,
      toPhoneNumber: a.toPhoneNumber,
      note: a.note,
      terminationReason: a.terminationReason,
      status: null,
    })),
    tags: s.tags.map((t) => ({ userId: null, name: t.name })),
    chatbots: s.chatbots.map((b) => ({
      chatbotId: int32OrNull(b.chatbotId) ?? stableIntId(b.botId),
      name: b.name,
      joined: isoOffset(b.joined),
      left: isoOffsetOrNull(b.left),
    })),
    guestFeedbackStars: s.feedback?.stars ?? null,
    guestFeedbackScale: s.feedback?.scale ?? null,
    guestFeedbackText: s.feedback?.text ?? null,
    guestFeedbackCustomFields: {},
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
    campaignId: int32OrNull(s.campaign?.id),
  };
}

export type SessionModel = ReturnType<typeof sessionModel>;

/**
 * CallParamsModel. `source` (ClientCallParamSource, not nullable): parameters the guest's data brought at
 * creation came from the phone line or the web widget; later ones were set through an API.
 */
export function callParamsModel(s: Session) {
  const atCreation = s.channel === 'phone' ? 'PHONE' : 'WIDGET_API';
  return {
    callParams: Object.entries(s.callParams).map(([name, p]) => ({
      name,
      value: p.value,
      readOnly: false,
      source: p.origin === 'guest' ? atCreation : 'API',
      updatedDate: isoOffset(p.updated),
    })),
  };
}

/** TagModel of a catalogue entry; Switchboard keeps no label or colours, so those are null. */
export function tagModel(tag: { id: number; name: string }, departmentId: number) {
  return {
    id: tag.id,
    name: tag.name,
    label: null,
    departmentId,
    backgroundArgb: null,
    textArgb: null,
  };
}
