/**
 * The derived session: what the projector computes from one session's events. Instants are epoch
 * milliseconds (UTC); each API dialect formats them its own way.
 */
import type { Channel, Containment, Group } from './events.js';

export const SESSION_STATUSES = [
  'CREATED',
  'IN_QUEUE',
  'WAITING',
  'BCW',
  'ACTIVE',
  'ACW',
  'CLOSED',
  'BLACKLISTED',
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const ROUTING_ACTIVITY_TYPES = [
  'RoutingRequestCreated',
  'EnteredGroupQueue',
  'GroupQueueTimeoutExpired',
  'LeftGroupQueue',
  'AssignedToOperator',
  'OperatorTimeoutExpired',
  'AcceptedByOperator',
  'ForwardedToGroup',
  'ForwardedToUser',
  'ForwardedToPhone',
  'RoutingEnded',
  'InvitedGroup',
  'InvitedUser',
] as const;
export type RoutingActivityType = (typeof ROUTING_ACTIVITY_TYPES)[number];

/** An operator as the routing timeline names one. */
export interface OperatorRef {
  id: string;
  /** mluvii userId: the id itself when it is all digits, else a stable integer derived from it. */
  userId: number;
  firstName: string | null;
  lastName: string | null;
  userName: string | null;
}

export interface RoutingItem {
  routingRequestId: number | null;
  timestamp: number;
  activityType: RoutingActivityType;
  group: Group | null;
  operator: OperatorRef | null;
  phoneNumber: string | null;
  forwardedByOperator: OperatorRef | null;
  invitedByOperator: OperatorRef | null;
}

export interface OperatorState extends OperatorRef {
  joined: number | null;
  left: number | null;
  concluded: number | null;
  note: string | null;
}

export interface ChatbotState {
  botId: string;
  chatbotId: number | null;
  name: string | null;
  joined: number;
  left: number | null;
}

export type ActivityType =
  | 'ChatMessage'
  | 'ChatbotMessage'
  | 'SharedFile'
  | 'OnHold'
  | 'ResumeGuest'
  | 'SessionEnded'
  | 'SessionForwarded'
  | 'OperatorInvited'
  | 'Handoff'
  | 'Joined'
  | 'Left';

export interface Activity {
  activityId: number;
  time: number;
  type: ActivityType;
  client: 'User' | 'Guest' | 'Chatbot' | null;
  operatorId: string | null;
  userId: number | null;
  botId: string | null;
  text: string | null;
  lang: string | null;
  fileId: string | null;
  toOperatorUserId: number | null;
  toGroupId: number | null;
  toGroupName: string | null;
  toPhoneNumber: string | null;
  note: string | null;
  terminationReason: string | null;
}

export interface FileRef {
  id: string;
  name: string;
  contentType: string | null;
  size: number | null;
  from: 'guest' | 'operator' | 'bot';
  shared: number;
  /** When its bytes were deleted (`file.deleted`); absent in documents projected before that event existed. */
  deleted?: number | null;
}

export interface RecordingRef {
  id: string;
  name: string | null;
  type: string | null;
  started: number | null;
  durationMs: number | null;
  contentType: string | null;
  available: number;
  deleted?: number | null;
}

export interface TagState {
  name: string;
  scope: 'session' | 'user';
  value: string | null;
}

/** Every bot of a session: the one it was created with, then those that joined. */
export function botIdsOf(session: Pick<Session, 'bot' | 'chatbots'>): string[] {
  return [...new Set([...(session.bot ? [session.bot.botId] : []), ...session.chatbots.map((b) => b.botId)])];
}

export interface Session {
  sessionId: string;
  /** null only while the `session.created` event has not arrived. */
  channel: Channel | null;
  source: string;
  direction: 'inbound' | 'outbound';
  status: SessionStatus;
  created: number;
  started: number | null;
  guestJoined: number | null;
  ended: number | null;
  createdBy: OperatorRef | null;
  campaign: { id: number | string; mode: 'preview' | 'progressive' | 'predictive' } | null;
  guest: Record<string, unknown> | null;
  directCallNumber: string | null;
  phoneCallbackNumber: string | null;
  url: string | null;
  widget: number | string | null;
  isDirectChat: boolean;
  telephony: Record<string, string> | null;
  bot: { botId: string; userId: string | null; surface: string | null; isDeveloper: boolean } | null;
  blacklisted: boolean;
  routing: RoutingItem[];
  operators: OperatorState[];
  chatbots: ChatbotState[];
  activities: Activity[];
  tags: TagState[];
  /**
   * Call parameters by name; `origin` says who set one: the guest's data at creation or a later update
   * through an API (absent in documents projected before it existed).
   */
  callParams: Record<string, { value: string; updated: number; origin?: 'guest' | 'api' }>;
  feedback: { stars: number | null; scale: string | null; text: string | null } | null;
  recordings: RecordingRef[];
  files: FileRef[];
  groups: Group[];
  guestLeft: { at: number; state: string | null } | null;
  /** When the guest left before any operator accepted (abandoned in queue). */
  guestLeftQueue: number | null;
  held: { since: number; by: OperatorRef | null; reason: string; queueName: string | null } | null;
  holdCount: number;
  /** Total time on hold so far, in ms (closed holds only). */
  holdMs: number;
  dialResult: string | null;
  /** When the number was first dialled (the first `dial.result` DIALING); absent in older documents. */
  dialed?: number | null;
  /** When the guest's personal data and the message texts were removed (`session.anonymized`). */
  anonymized?: number | null;
  handoff: number | null;
  termination: { reason: string | null; outcome: string | null; containment: Containment | null } | null;
  containment: Containment | null;
  stats: {
    messages: number;
    guestMessages: number;
    operatorMessages: number;
    botMessages: number;
    tasksCompleted: number;
    tasksFailed: number;
    languages: string[];
  };
  log: { at: number; message: string }[];
  statusHistory: { at: number; status: SessionStatus }[];
  firstEventAt: number;
  lastEventAt: number;
  eventCount: number;
}
