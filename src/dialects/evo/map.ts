/**
 * The derived session as Evo Voice's SessionInfo (seed 003), states mapped as DESIGN.md says. Pure.
 * Fields with no source in Switchboard's events are null; docs/evo.md says why for each.
 */
import { SESSION_STATUSES, type Session } from '../../domain/session.js';

const iso = (ms: number) => new Date(ms).toISOString();
const isoOrNull = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : iso(ms));
const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export const CALL_STATES = ['Disconnected', 'Ringing', 'Connected', 'Hold', 'Passive'] as const;
export const QUEUE_STATES = ['None', 'Queued', 'Ringing', 'Connected', 'Hold', 'Disconnected'] as const;
export const HOLD_REASONS = ['None', 'Transferring'] as const;

export function callState(s: Session): (typeof CALL_STATES)[number] {
  if (s.ended !== null) return 'Disconnected';
  if (s.held !== null) return 'Hold';
  if (s.status === 'BCW' || s.status === 'ACTIVE' || s.status === 'ACW') return 'Connected';
  return 'Ringing';
}

export function queueState(s: Session): (typeof QUEUE_STATES)[number] {
  if (s.routing.length === 0) return 'None';
  if (s.ended !== null) return 'Disconnected';
  if (s.held !== null) return 'Hold';
  if (s.status === 'WAITING') return 'Ringing';
  if (s.status === 'BCW' || s.status === 'ACTIVE' || s.status === 'ACW') return 'Connected';
  return 'Queued';
}

/** An outbound dial is ringing: outgoing, not answered, not ended, no final dial result. */
export function dialState(s: Session): 'None' | 'Active' {
  const ringing = s.dialResult === null || s.dialResult === 'DIALING' || s.dialResult === 'RINGING';
  return s.direction === 'outbound' && s.started === null && s.ended === null && ringing ? 'Active' : 'None';
}

const CHANNELS: Record<string, string> = { chat: 'Chat', phone: 'Voice', av: 'Voice', fax: 'Fax' };

const operatorName = (op: {
  firstName: string | null;
  lastName: string | null;
  userName: string | null;
  id: string;
}) => [op.firstName, op.lastName].filter(Boolean).join(' ') || op.userName || op.id;

const STATUS_LINES: Record<string, string> = {
  CREATED: 'Session created',
  IN_QUEUE: 'Queued',
  WAITING: 'Ringing an agent',
  BCW: 'Agent connected, waiting for the caller',
  ACTIVE: 'Connected',
  ACW: 'Disconnected; after-call work',
  CLOSED: 'Closed',
  BLACKLISTED: 'Blacklisted',
};

/** The log line generated when a session enters a status. */
export const statusLine = (status: string) => `${STATUS_LINES[status] ?? status} (${status})`;

/** The statuses whose generated log line contains `text` (case-insensitive, as ILIKE '%text%'). */
export const statusesMatching = (text: string) =>
  SESSION_STATUSES.filter((status) => statusLine(status).toLowerCase().includes(text.toLowerCase()));

/** `session.log` lines plus one generated line per state change, oldest first. */
export function sessionLog(s: Session): { date: string; message: string }[] {
  const lines = [
    ...s.log.map((l) => ({ at: l.at, message: l.message })),
    ...s.statusHistory.map((h) => ({ at: h.at, message: statusLine(h.status) })),
  ];
  return lines.sort((a, b) => a.at - b.at).map((l) => ({ date: iso(l.at), message: l.message }));
}

export interface EvoContext {
  accountId: string;
  accountName: string;
}

/** The customer of a session: its telephony customer, else the guest's identity. */
export const customerIdOf = (s: Session) => text(s.telephony?.customerId) ?? text(s.guest?.identity);

export function sessionInfo(s: Session, ctx: EvoContext) {
  const guest = s.guest ?? {};
  const tel = s.telephony ?? {};
  const firstAccept = s.routing.find((r) => r.activityType === 'AcceptedByOperator')?.operator ?? null;
  const answeredBy = firstAccept ? (s.operators.find((o) => o.id === firstAccept.id) ?? firstAccept) : null;
  const lastAssigned = [...s.routing].reverse().find((r) => r.activityType === 'AssignedToOperator');
  const queued = s.status === 'IN_QUEUE' || s.status === 'WAITING';
  const currentGroup = [...s.routing].reverse().find((r) => r.group !== null)?.group ?? null;
  const customerId = customerIdOf(s);
  const customerName = text(tel.customerName) ?? text(guest.name);
  const guestName = text(guest.name) ?? text(tel.fromName);
  const members = [
    {
      identity: customerId ?? text(guest.phone) ?? text(tel.from) ?? 'guest',
      endpointId: null,
      displayName: guestName ?? text(tel.from) ?? 'Caller',
      isOriginalMember: true,
      avatarUrl: null,
      applicationData: {},
      callState:
        s.ended !== null || s.guestLeft
          ? 'None'
          : s.held
            ? 'Hold'
            : s.guestJoined !== null
              ? 'Connected'
              : 'Ringing',
      role: 'Caller',
      callSid: text(tel.callSid),
      muted: false,
    },
    ...s.operators.map((op) => ({
      identity: op.id,
      endpointId: op.id,
      displayName: operatorName(op),
      isOriginalMember: s.createdBy?.id === op.id,
      avatarUrl: null,
      applicationData: {},
      callState:
        op.left !== null || s.ended !== null
          ? 'None'
          : s.held
            ? 'Hold'
            : op.joined !== null
              ? 'Connected'
              : 'Ringing',
      role: 'Agent',
      callSid: null,
      muted: false,
    })),
    ...s.routing
      .filter((r) => r.activityType.startsWith('ForwardedTo'))
      .map((r) => ({
        identity: r.operator?.id ?? r.phoneNumber ?? (r.group ? `group-${r.group.id}` : 'transfer'),
        endpointId: r.operator?.id ?? null,
        displayName: r.operator ? operatorName(r.operator) : (r.phoneNumber ?? r.group?.name ?? 'Transfer'),
        isOriginalMember: false,
        avatarUrl: null,
        applicationData: {},
        callState: 'None',
        role: 'Transfer',
        callSid: null,
        muted: false,
      })),
  ];
  return {
    id: s.sessionId,
    dateCreated: iso(s.created),
    dateLastModified: iso(s.lastEventAt),
    createdBy: s.createdBy?.id ?? null,
    lastModifiedBy: null,
    dialState: dialState(s),
    callState: callState(s),
    queueState: queueState(s),
    accountId: ctx.accountId,
    accountName: ctx.accountName,
    customerId,
    customerBreadcrumb: customerId ? [{ id: customerId, name: customerName ?? customerId }] : [],
    customerName,
    endpointId: text(tel.endpointId),
    endpointName: text(tel.endpointName),
    dateCompleted: isoOrNull(s.ended),
    destination: text(tel.destination) ?? text(tel.to),
    toAddress: text(tel.to),
    fromAddress: text(tel.from) ?? text(guest.phone) ?? text(guest.email),
    fromName: text(tel.fromName) ?? text(guest.name),
    answeredByName: answeredBy ? operatorName(answeredBy) : null,
    queueMemberId: s.ended === null && lastAssigned?.operator ? lastAssigned.operator.id : null,
    channel: CHANNELS[s.channel ?? ''] ?? 'Voice',
    ended: s.ended !== null,
    outcome: s.termination?.outcome ?? s.termination?.reason ?? null,
    callSid: text(tel.callSid),
    consoleData: s.callParams.consoleData?.value ?? null,
    holdQueueName: s.held?.queueName ?? null,
    heldByUserId: s.held?.by?.id ?? null,
    holdReason: s.held?.reason ?? 'None',
    conferenceSid: null,
    displayName: guestName ?? customerName ?? text(tel.from) ?? s.sessionId,
    log: sessionLog(s),
    members,
    callbackNumber: text(tel.callbackNumber) ?? s.phoneCallbackNumber,
    answeredById: answeredBy?.id ?? null,
    direction: s.direction === 'outbound' ? 'Outgoing' : 'Incoming',
    fromPhoneNumber: text(guest.phone) ?? text(tel.from),
    mostRecentParticipantCallSid: null,
    wasMissed: s.ended !== null && s.started === null,
    ringQueueId: s.ended === null && queued && currentGroup ? String(currentGroup.id) : null,
  };
}

export type SessionInfo = ReturnType<typeof sessionInfo>;

/** Who wrote a transcript message, in SessionMemberRoles' terms plus `Bot`. */
export const TRANSCRIPT_SENDERS = ['Caller', 'Agent', 'Bot'] as const;

/** The chat messages of a session, oldest first (inferred shape: docs/evo.md). */
export function transcriptOf(s: Session) {
  const guestName = text(s.guest?.name) ?? text(s.telephony?.fromName);
  return s.activities
    .filter((a) => a.type === 'ChatMessage' || a.type === 'ChatbotMessage')
    .map((a) => {
      const sender: (typeof TRANSCRIPT_SENDERS)[number] =
        a.client === 'Guest' ? 'Caller' : a.client === 'Chatbot' ? 'Bot' : 'Agent';
      const operator = s.operators.find((o) => o.id === a.operatorId);
      const bot = s.chatbots.find((b) => b.botId === a.botId);
      return {
        sessionId: s.sessionId,
        date: iso(a.time),
        sender,
        senderId: sender === 'Caller' ? customerIdOf(s) : sender === 'Bot' ? a.botId : a.operatorId,
        senderName:
          sender === 'Caller'
            ? guestName
            : sender === 'Bot'
              ? (bot?.name ?? null)
              : operator
                ? operatorName(operator)
                : null,
        text: a.text,
        language: a.lang,
      };
    });
}

export type TranscriptMessage = ReturnType<typeof transcriptOf>[number];
