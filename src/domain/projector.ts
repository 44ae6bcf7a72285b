/**
 * The projector: a pure fold of one session's events into a {@link Session}.
 *
 * Events are first put in a canonical order — by `at`, then by lifecycle precedence, then by event id —
 * and de-duplicated by id, so the result depends on the set of events alone, never on arrival order.
 */
import { TYPE_PRECEDENCE, parseInstant, type Operator, type SessionEvent } from './events.js';
import type {
  Activity,
  OperatorRef,
  OperatorState,
  RoutingActivityType,
  RoutingItem,
  Session,
  SessionStatus,
} from './session.js';

/** Largest userId handed out as is; mluvii userIds are 32-bit signed integers. */
const MAX_INT32 = 2_147_483_647;

/**
 * The mluvii `userId` of an operator id: the id itself when it is all digits (and fits an int32), else a
 * stable integer in [1e9, 2e9) derived from the id by FNV-1a. Deterministic, so the projector stays pure.
 */
export function userIdOf(operatorId: string): number {
  return stableIntId(operatorId);
}

/**
 * An integer for a string id, for APIs whose ids are integers (mluvii's userId, file and recording ids): the
 * id itself when it is all digits and fits an int32, else FNV-1a of it folded into [1e9, 2e9).
 */
export function stableIntId(id: string): number {
  if (/^\d{1,10}$/.test(id) && Number(id) <= MAX_INT32) return Number(id);
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return 1_000_000_000 + (hash % 1_000_000_000);
}

function ref(operator: Operator | undefined): OperatorRef | null {
  if (!operator) return null;
  return {
    id: operator.id,
    userId: userIdOf(operator.id),
    firstName: operator.firstName ?? null,
    lastName: operator.lastName ?? null,
    userName: operator.userName ?? null,
  };
}

interface Timed {
  event: SessionEvent;
  at: number;
}

/** Sorts and de-duplicates events into the canonical order. */
export function canonicalOrder(events: readonly SessionEvent[]): Timed[] {
  const byId = new Map<string, SessionEvent>();
  for (const event of events) if (!byId.has(event.id)) byId.set(event.id, event);
  return [...byId.values()]
    .map((event) => ({ event, at: parseInstant(event.at) ?? 0 }))
    .sort(
      (a, b) =>
        a.at - b.at ||
        TYPE_PRECEDENCE[a.event.type] - TYPE_PRECEDENCE[b.event.type] ||
        (a.event.id < b.event.id ? -1 : a.event.id > b.event.id ? 1 : 0),
    );
}

const ROUTING_TYPES: Partial<Record<SessionEvent['type'], RoutingActivityType>> = {
  'routing.requested': 'RoutingRequestCreated',
  'routing.queued': 'EnteredGroupQueue',
  'routing.queue_timeout': 'GroupQueueTimeoutExpired',
  'routing.dequeued': 'LeftGroupQueue',
  'routing.assigned': 'AssignedToOperator',
  'routing.operator_timeout': 'OperatorTimeoutExpired',
  'routing.accepted': 'AcceptedByOperator',
  'routing.ended': 'RoutingEnded',
};

/** Sources whose sessions are calls placed to the guest, when the producer does not give a direction. */
const OUTBOUND_SOURCES = new Set(['OutgoingCall', 'Callback', 'Campaign']);

function emptySession(sessionId: string, at: number): Session {
  return {
    sessionId,
    channel: null,
    source: 'Default',
    direction: 'inbound',
    status: 'CREATED',
    created: at,
    started: null,
    guestJoined: null,
    ended: null,
    createdBy: null,
    campaign: null,
    guest: null,
    directCallNumber: null,
    phoneCallbackNumber: null,
    url: null,
    widget: null,
    isDirectChat: false,
    telephony: null,
    bot: null,
    blacklisted: false,
    routing: [],
    operators: [],
    chatbots: [],
    activities: [],
    tags: [],
    callParams: {},
    feedback: null,
    recordings: [],
    files: [],
    groups: [],
    guestLeft: null,
    guestLeftQueue: null,
    held: null,
    holdCount: 0,
    holdMs: 0,
    dialResult: null,
    dialed: null,
    anonymized: null,
    handoff: null,
    termination: null,
    containment: null,
    stats: {
      messages: 0,
      guestMessages: 0,
      operatorMessages: 0,
      botMessages: 0,
      tasksCompleted: 0,
      tasksFailed: 0,
      languages: [],
    },
    log: [],
    statusHistory: [],
    firstEventAt: at,
    lastEventAt: at,
    eventCount: 0,
  };
}

/** Facts the status machine needs beyond the session itself. */
interface Progress {
  createdAt: number | null;
  firstAccepted: number | null;
  /** The last routing step before the session started: re-queued after a timeout, or assigned. */
  routingPhase: 'none' | 'queued' | 'assigned';
  firstTaskCompleted: number | null;
}

/**
 * The status a session is in, given what has happened so far. BLACKLISTED wins; then the session's end
 * (ACW until every operator who joined has concluded); then two-way talk, before-call work, waiting for an
 * operator's answer, queueing, and finally CREATED.
 */
function statusOf(session: Session, progress: Progress): SessionStatus {
  if (session.blacklisted) return 'BLACKLISTED';
  if (session.ended !== null) {
    return session.operators.some((op) => op.concluded === null) ? 'ACW' : 'CLOSED';
  }
  if (session.started !== null) return session.guestJoined !== null ? 'ACTIVE' : 'BCW';
  if (progress.routingPhase === 'assigned') return 'WAITING';
  if (progress.routingPhase === 'queued') return 'IN_QUEUE';
  return 'CREATED';
}

/**
 * `started`: the moment the first operator accepted or created the session (FAQ). An operator who creates a
 * session (outbound call, callback, preview campaign) is there from its creation, so later routing — a
 * forward, RoutingEnded — does not move `started` (docs/outbound.md).
 */
function startedOf(session: Session, progress: Progress): number | null {
  if (session.createdBy !== null && progress.createdAt !== null) return progress.createdAt;
  return progress.firstAccepted;
}

function operatorState(session: Session, operator: Operator): OperatorState {
  let state = session.operators.find((op) => op.id === operator.id);
  if (!state) {
    state = { ...ref(operator)!, joined: null, left: null, concluded: null, note: null };
    session.operators.push(state);
  } else {
    // Later events may carry names the first one lacked.
    state.firstName = operator.firstName ?? state.firstName;
    state.lastName = operator.lastName ?? state.lastName;
    state.userName = operator.userName ?? state.userName;
  }
  return state;
}

function noteGroup(session: Session, group: { id: number; name?: string } | undefined): void {
  if (!group) return;
  const known = session.groups.find((g) => g.id === group.id);
  if (!known) session.groups.push({ id: group.id, ...(group.name ? { name: group.name } : {}) });
  else if (group.name && !known.name) known.name = group.name;
}

function activity(session: Session, at: number, fields: Partial<Activity> & Pick<Activity, 'type'>): void {
  session.activities.push({
    activityId: session.activities.length + 1,
    time: at,
    client: null,
    operatorId: null,
    userId: null,
    botId: null,
    text: null,
    lang: null,
    fileId: null,
    toOperatorUserId: null,
    toGroupId: null,
    toGroupName: null,
    toPhoneNumber: null,
    note: null,
    terminationReason: null,
    ...fields,
  });
}

function routingItem(
  session: Session,
  requestId: number | null,
  at: number,
  fields: Partial<RoutingItem> & Pick<RoutingItem, 'activityType'>,
): void {
  session.routing.push({
    // An item with no open routing request (RoutingEnded of an outbound call, say) is given the request it
    // implies by the caller; mluvii's type has no null here.
    routingRequestId: requestId,
    timestamp: at,
    group: null,
    operator: null,
    phoneNumber: null,
    forwardedByOperator: null,
    invitedByOperator: null,
    ...fields,
  });
}

/**
 * Projects one session's events (any order, duplicates allowed) into the derived session.
 * Returns null for an empty list.
 */
export function project(events: readonly SessionEvent[]): Session | null {
  const ordered = canonicalOrder(events);
  if (ordered.length === 0) return null;
  const session = emptySession(ordered[0].event.sessionId, ordered[0].at);
  const progress: Progress = {
    createdAt: null,
    firstAccepted: null,
    routingPhase: 'none',
    firstTaskCompleted: null,
  };
  let requestId: number | null = null;
  let requestCount = 0;
  /** The open routing request, or an implied one when an item arrives with none open. */
  const openRequest = (): number => (requestId ??= ++requestCount);

  for (const { event: e, at } of ordered) {
    session.eventCount++;
    session.lastEventAt = at;
    const routingType = ROUTING_TYPES[e.type];
    switch (e.type) {
      case 'session.created':
        if (progress.createdAt === null) {
          progress.createdAt = at;
          session.created = at;
          session.channel = e.channel;
          session.source = e.source ?? 'Default';
          session.direction =
            e.direction ?? (e.operator || OUTBOUND_SOURCES.has(e.source ?? '') ? 'outbound' : 'inbound');
          session.campaign = e.campaign ?? null;
          session.guest = e.guest ? { ...e.guest } : null;
          session.directCallNumber = e.directCallNumber ?? null;
          session.phoneCallbackNumber = e.phoneCallbackNumber ?? null;
          session.url = e.url ?? null;
          session.widget = e.widget ?? null;
          session.isDirectChat = e.isDirectChat ?? false;
          session.telephony = e.telephony ? { ...e.telephony } : null;
          session.bot = e.bot
            ? {
                botId: e.bot.botId,
                userId: e.bot.userId ?? null,
                surface: e.bot.surface ?? null,
                isDeveloper: e.bot.isDeveloper ?? false,
              }
            : null;
          session.createdBy = ref(e.operator);
          session.blacklisted = session.blacklisted || (e.blacklisted ?? false);
          for (const [name, value] of Object.entries(e.guest?.callParams ?? {})) {
            session.callParams[name] = { value, updated: at, origin: 'guest' };
          }
        }
        break;
      case 'routing.requested':
        requestCount++;
        requestId = e.routingRequestId ?? requestCount;
        noteGroup(session, e.group);
        routingItem(session, requestId, at, { activityType: routingType!, group: e.group ?? null });
        if (progress.firstAccepted === null) progress.routingPhase = 'queued';
        break;
      case 'routing.queued':
      case 'routing.queue_timeout':
      case 'routing.dequeued':
        noteGroup(session, e.group);
        routingItem(session, openRequest(), at, { activityType: routingType!, group: e.group });
        if (e.type === 'routing.queued' && progress.firstAccepted === null) progress.routingPhase = 'queued';
        break;
      case 'routing.assigned':
      case 'routing.operator_timeout':
      case 'routing.accepted':
        routingItem(session, openRequest(), at, { activityType: routingType!, operator: ref(e.operator) });
        if (e.type === 'routing.accepted') progress.firstAccepted ??= at;
        else if (progress.firstAccepted === null) {
          progress.routingPhase = e.type === 'routing.assigned' ? 'assigned' : 'queued';
        }
        break;
      case 'routing.forwarded': {
        const activityType: RoutingActivityType = e.operator
          ? 'ForwardedToUser'
          : e.phoneNumber
            ? 'ForwardedToPhone'
            : 'ForwardedToGroup';
        noteGroup(session, e.group);
        routingItem(session, openRequest(), at, {
          activityType,
          group: e.group ?? null,
          operator: ref(e.operator),
          phoneNumber: e.phoneNumber ?? null,
          forwardedByOperator: ref(e.by),
        });
        activity(session, at, {
          type: 'SessionForwarded',
          client: e.by ? 'User' : null,
          operatorId: e.by?.id ?? null,
          userId: e.by ? userIdOf(e.by.id) : null,
          toOperatorUserId: e.operator ? userIdOf(e.operator.id) : null,
          toGroupId: e.group?.id ?? null,
          toGroupName: e.group?.name ?? null,
          toPhoneNumber: e.phoneNumber ?? null,
        });
        break;
      }
      case 'routing.invited':
        noteGroup(session, e.group);
        routingItem(session, openRequest(), at, {
          activityType: e.operator ? 'InvitedUser' : 'InvitedGroup',
          group: e.group ?? null,
          operator: ref(e.operator),
          invitedByOperator: ref(e.by),
        });
        activity(session, at, {
          type: 'OperatorInvited',
          client: e.by ? 'User' : null,
          operatorId: e.by?.id ?? null,
          userId: e.by ? userIdOf(e.by.id) : null,
          toOperatorUserId: e.operator ? userIdOf(e.operator.id) : null,
          toGroupId: e.group?.id ?? null,
          toGroupName: e.group?.name ?? null,
        });
        break;
      case 'routing.ended':
        routingItem(session, openRequest(), at, { activityType: 'RoutingEnded' });
        break;
      case 'guest.joined':
        session.guestJoined ??= at;
        break;
      case 'guest.left':
        session.guestLeft ??= { at, state: e.state ?? null };
        // Leaving before any operator took the session is leaving the queue — if there was one to leave.
        if (progress.firstAccepted === null && session.createdBy === null && progress.routingPhase !== 'none')
          session.guestLeftQueue ??= at;
        break;
      case 'operator.joined': {
        const op = operatorState(session, e.operator);
        op.joined ??= at;
        if (op.left !== null && op.left <= at) op.left = null;
        activity(session, at, { type: 'Joined', client: 'User', operatorId: op.id, userId: op.userId });
        break;
      }
      case 'operator.left': {
        const op = operatorState(session, e.operator);
        op.left = at;
        activity(session, at, { type: 'Left', client: 'User', operatorId: op.id, userId: op.userId });
        break;
      }
      case 'operator.concluded': {
        const op = operatorState(session, e.operator);
        op.concluded = at;
        op.note = e.note ?? op.note;
        break;
      }
      case 'bot.joined':
        if (!session.chatbots.some((b) => b.botId === e.bot.botId && b.left === null)) {
          session.chatbots.push({
            botId: e.bot.botId,
            chatbotId: e.bot.chatbotId ?? null,
            name: e.bot.name ?? null,
            joined: at,
            left: null,
          });
        }
        break;
      case 'bot.left': {
        const bot = session.chatbots.find((b) => b.botId === e.bot.botId && b.left === null);
        if (bot) bot.left = at;
        break;
      }
      case 'session.held':
        if (session.held === null) {
          session.held = {
            since: at,
            by: ref(e.by),
            reason: e.reason ?? 'None',
            queueName: e.queueName ?? null,
          };
          session.holdCount++;
          activity(session, at, {
            type: 'OnHold',
            client: e.by ? 'User' : null,
            operatorId: e.by?.id ?? null,
          });
        }
        break;
      case 'session.resumed':
        if (session.held !== null) {
          session.holdMs += at - session.held.since;
          session.held = null;
          activity(session, at, {
            type: 'ResumeGuest',
            client: e.by ? 'User' : null,
            operatorId: e.by?.id ?? null,
          });
        }
        break;
      case 'message': {
        const stats = session.stats;
        stats.messages++;
        if (e.from === 'guest') stats.guestMessages++;
        else if (e.from === 'operator') stats.operatorMessages++;
        else stats.botMessages++;
        if (e.lang && !stats.languages.includes(e.lang)) stats.languages.push(e.lang);
        activity(session, at, {
          type: e.from === 'bot' ? 'ChatbotMessage' : 'ChatMessage',
          client: e.from === 'guest' ? 'Guest' : e.from === 'bot' ? 'Chatbot' : 'User',
          operatorId: e.operator?.id ?? null,
          userId: e.operator ? userIdOf(e.operator.id) : null,
          botId: e.from === 'bot' ? (session.chatbots.at(-1)?.botId ?? session.bot?.botId ?? null) : null,
          text: e.text,
          lang: e.lang ?? null,
        });
        break;
      }
      case 'bot.task':
        if (e.status === 'completed') {
          session.stats.tasksCompleted++;
          progress.firstTaskCompleted ??= at;
        } else if (e.status === 'failed') session.stats.tasksFailed++;
        break;
      case 'bot.handoff':
        session.handoff ??= at;
        noteGroup(session, e.group);
        activity(session, at, {
          type: 'Handoff',
          client: 'Chatbot',
          botId: session.bot?.botId ?? null,
          toGroupId: e.group?.id ?? null,
          toGroupName: e.group?.name ?? null,
          toOperatorUserId: e.operator ? userIdOf(e.operator.id) : null,
        });
        break;
      case 'file.shared':
        if (!session.files.some((f) => f.id === e.file.id)) {
          session.files.push({
            id: e.file.id,
            name: e.file.name,
            contentType: e.file.contentType ?? null,
            size: e.file.size ?? null,
            from: e.from,
            shared: at,
            deleted: null,
          });
        }
        activity(session, at, {
          type: 'SharedFile',
          client: e.from === 'guest' ? 'Guest' : e.from === 'bot' ? 'Chatbot' : 'User',
          fileId: e.file.id,
          text: e.file.name,
        });
        break;
      case 'recording.available':
        if (!session.recordings.some((r) => r.id === e.recording.id)) {
          session.recordings.push({
            id: e.recording.id,
            name: e.recording.name ?? null,
            type: e.recording.type ?? null,
            started: e.recording.started ? parseInstant(e.recording.started) : null,
            durationMs: e.recording.durationMs ?? null,
            contentType: e.recording.contentType ?? null,
            available: at,
            deleted: null,
          });
        }
        break;
      case 'file.deleted': {
        const target =
          session.files.find((f) => f.id === e.fileId) ?? session.recordings.find((r) => r.id === e.fileId);
        if (target) target.deleted ??= at;
        break;
      }
      case 'session.anonymized':
        session.anonymized ??= at;
        break;
      case 'tags.added':
        for (const tag of e.tags) {
          const existing = session.tags.find((t) => t.name === tag.name && t.scope === tag.scope);
          if (existing) existing.value = tag.value ?? existing.value;
          else session.tags.push({ name: tag.name, scope: tag.scope, value: tag.value ?? null });
        }
        break;
      case 'tags.removed':
        session.tags = session.tags.filter(
          (t) => !e.tags.some((removed) => removed.name === t.name && removed.scope === t.scope),
        );
        break;
      case 'callparams.updated':
        for (const [name, value] of Object.entries(e.params))
          session.callParams[name] = { value, updated: at, origin: 'api' };
        break;
      case 'feedback':
        session.feedback = {
          stars: e.stars ?? session.feedback?.stars ?? null,
          scale: e.scale ?? session.feedback?.scale ?? null,
          text: e.text ?? session.feedback?.text ?? null,
        };
        break;
      case 'dial.result':
        session.dialResult = e.state;
        if (e.state === 'DIALING') session.dialed ??= at;
        if (e.state === 'BLACKLISTED') session.blacklisted = true;
        break;
      case 'session.log':
        session.log.push({ at, message: e.message });
        break;
      case 'session.ended':
        if (session.ended === null) {
          session.ended = at;
          session.termination = {
            reason: e.reason ?? null,
            outcome: e.outcome ?? null,
            containment: e.containment ?? null,
          };
          if (session.held !== null) {
            session.holdMs += at - session.held.since;
            session.held = null;
          }
          activity(session, at, { type: 'SessionEnded', terminationReason: e.reason ?? null });
        }
        break;
      default: {
        const unreachable: never = e;
        throw new Error(`unhandled event type ${(unreachable as SessionEvent).type}`);
      }
    }
    session.started = startedOf(session, progress);
    const status = statusOf(session, progress);
    if (session.statusHistory.at(-1)?.status !== status) session.statusHistory.push({ at, status });
    session.status = status;
  }

  session.containment = containmentOf(session, progress);
  return session;
}

/**
 * Kore.ai containment: the explicit `session.ended.containment`, else `agent` when handed off or accepted by
 * an operator, else `dropOff` when the guest left or abandoned before any bot task completed, else
 * `selfService`. Only bot sessions have a containment.
 */
function containmentOf(session: Session, progress: Progress): Session['containment'] {
  if (session.bot === null && session.chatbots.length === 0) return null;
  if (session.termination?.containment) return session.termination.containment;
  if (session.handoff !== null || progress.firstAccepted !== null) return 'agent';
  const abandonedAt =
    session.termination?.reason === 'GuestAbandoned' ? session.ended : (session.guestLeft?.at ?? null);
  if (
    abandonedAt !== null &&
    (progress.firstTaskCompleted === null || abandonedAt < progress.firstTaskCompleted)
  ) {
    return 'dropOff';
  }
  return 'selfService';
}
