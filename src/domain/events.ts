/**
 * The native event contract (DESIGN.md, "Native event contract"). One TypeBox schema per event type is the
 * single source of validation, TypeScript types and the OpenAPI document.
 *
 * Unknown extra properties are accepted and stored verbatim (producers evolve faster than consumers); the
 * projector only reads the fields declared here.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';

const Str = (max = 1000) => Type.String({ maxLength: max });
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema);

export const SESSION_ID_PATTERN = '^[A-Za-z0-9._:-]{1,128}$';
export const RFC3339_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}[Tt ]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$';

export const Operator = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 128 }),
  firstName: Opt(Str(200)),
  lastName: Opt(Str(200)),
  userName: Opt(Str(200)),
});
export type Operator = Static<typeof Operator>;

// Group ids are mluvii's Int32 (and a PostgreSQL integer).
export const Group = Type.Object({
  id: Type.Integer({ minimum: -2147483648, maximum: 2147483647 }),
  name: Opt(Str(200)),
});
export type Group = Static<typeof Group>;

export const Channel = Type.Union([
  Type.Literal('chat'),
  Type.Literal('av'),
  Type.Literal('phone'),
  Type.Literal('fax'),
]);
export type Channel = Static<typeof Channel>;

/** mluvii SessionSource names. */
export const SESSION_SOURCES = [
  'Default',
  'Callback',
  'Invitation',
  'ChatInvitation',
  'IncomingCall',
  'OutgoingCall',
  'Campaign',
  'API',
  'Facebook',
  'WhatsApp',
  'VK',
  'Apple',
  'GenericChannel',
] as const;
export const GUEST_LEFT_STATES = [
  'LeftQueue',
  'LeftSession',
  'LeftAfterSession',
  'StillConnected',
  'LeftBeforeQueue',
] as const;
export const TERMINATION_REASONS = [
  'UnknownReason',
  'GuestLeft',
  'OperatorLeft',
  'ChatbotLeft',
  'GuestAbandoned',
  'OperatorAbandoned',
  'ExternalPartyLeft',
  'CampaignFailedDial',
  'CampaignTerminated',
  'CallForwardedToExternalPhone',
  'OperatorWithoutExtension',
  'ForwardToExternalPhoneFailed',
  'FailedRouting',
  'ExternalSessionExpired',
  'SessionApiCall',
  'SingleUseSession',
] as const;
export const DIAL_STATES = [
  'DIALING',
  'ANSWERED',
  'RINGING',
  'FAILED',
  'NO_ANSWER',
  'BLACKLISTED',
  'REJECTED',
  'INVALID_NUMBER',
  'UNREACHABLE',
  'CANCELLED_BY_USER',
] as const;
export const CONTAINMENT_TYPES = ['selfService', 'dropOff', 'agent'] as const;
export type Containment = (typeof CONTAINMENT_TYPES)[number];

/** A union of string literals, typed as such. */
export const literals = <T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
): TUnsafe<T[number]> =>
  // At run time a real union of literals (so the TypeBox compiler checks it); statically the string union.
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  );

const Guest = Type.Object({
  identity: Opt(Str(200)),
  name: Opt(Str(200)),
  phone: Opt(Str(64)),
  email: Opt(Str(320)),
  ipAddress: Opt(Str(64)),
  language: Opt(Str(35)),
  os: Opt(Str(200)),
  browser: Opt(Str(200)),
  callParams: Opt(Type.Record(Type.String(), Type.String())),
});

const Telephony = Type.Object({
  from: Opt(Str(200)),
  fromName: Opt(Str(200)),
  to: Opt(Str(200)),
  destination: Opt(Str(200)),
  callSid: Opt(Str(200)),
  callbackNumber: Opt(Str(200)),
  customerId: Opt(Str(200)),
  customerName: Opt(Str(200)),
  endpointId: Opt(Str(200)),
  endpointName: Opt(Str(200)),
});

const SessionBot = Type.Object({
  botId: Type.String({ minLength: 1, maxLength: 128 }),
  userId: Opt(Str(200)),
  surface: Opt(Str(64)),
  isDeveloper: Opt(Type.Boolean()),
});

const Bot = Type.Object({
  botId: Type.String({ minLength: 1, maxLength: 128 }),
  chatbotId: Opt(Type.Integer()),
  name: Opt(Str(200)),
});

const Tag = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  scope: Type.Union([Type.Literal('session'), Type.Literal('user')]),
  value: Opt(Str(1000)),
});

const Party = Type.Union([Type.Literal('guest'), Type.Literal('operator'), Type.Literal('bot')]);

/** Fields of each event type, beside the envelope. */
export const EVENT_FIELDS = {
  'session.created': Type.Object({
    channel: Channel,
    source: Opt(literals(SESSION_SOURCES)),
    direction: Opt(Type.Union([Type.Literal('inbound'), Type.Literal('outbound')])),
    campaign: Opt(
      Type.Object({
        id: Type.Union([Type.Integer(), Type.String({ maxLength: 128 })]),
        mode: Type.Union([Type.Literal('preview'), Type.Literal('progressive'), Type.Literal('predictive')]),
      }),
    ),
    guest: Opt(Guest),
    directCallNumber: Opt(Str(64)),
    phoneCallbackNumber: Opt(Str(64)),
    url: Opt(Str(2000)),
    widget: Opt(Type.Union([Type.Integer(), Str(200)])),
    isDirectChat: Opt(Type.Boolean()),
    telephony: Opt(Telephony),
    bot: Opt(SessionBot),
    operator: Opt(Operator),
    blacklisted: Opt(Type.Boolean()),
  }),
  'routing.requested': Type.Object({
    routingRequestId: Opt(Type.Integer({ minimum: 0 })),
    group: Opt(Group),
  }),
  'routing.queued': Type.Object({ group: Group }),
  'routing.queue_timeout': Type.Object({ group: Group }),
  'routing.dequeued': Type.Object({ group: Group }),
  'routing.assigned': Type.Object({ operator: Operator }),
  'routing.operator_timeout': Type.Object({ operator: Operator }),
  'routing.accepted': Type.Object({ operator: Operator }),
  'routing.forwarded': Type.Object({
    group: Opt(Group),
    operator: Opt(Operator),
    phoneNumber: Opt(Str(64)),
    by: Opt(Operator),
  }),
  'routing.invited': Type.Object({ group: Opt(Group), operator: Opt(Operator), by: Opt(Operator) }),
  'routing.ended': Type.Object({}),
  'guest.joined': Type.Object({}),
  'guest.left': Type.Object({ state: Opt(literals(GUEST_LEFT_STATES)) }),
  'operator.joined': Type.Object({ operator: Operator }),
  'operator.left': Type.Object({ operator: Operator }),
  'operator.concluded': Type.Object({ operator: Operator, note: Opt(Str(10000)) }),
  'bot.joined': Type.Object({ bot: Bot }),
  'bot.left': Type.Object({ bot: Bot }),
  'session.held': Type.Object({
    by: Opt(Operator),
    reason: Opt(Type.Union([Type.Literal('None'), Type.Literal('Transferring')])),
    queueName: Opt(Str(200)),
  }),
  'session.resumed': Type.Object({ by: Opt(Operator) }),
  message: Type.Object({
    from: Party,
    text: Type.String({ maxLength: 100000 }),
    operator: Opt(Operator),
    lang: Opt(Str(35)),
  }),
  'bot.task': Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    status: Type.Union([Type.Literal('started'), Type.Literal('completed'), Type.Literal('failed')]),
  }),
  'bot.handoff': Type.Object({ group: Opt(Group), operator: Opt(Operator) }),
  'file.shared': Type.Object({
    from: Party,
    file: Type.Object({
      id: Type.String({ pattern: SESSION_ID_PATTERN }),
      name: Type.String({ minLength: 1, maxLength: 500 }),
      contentType: Opt(Str(200)),
      size: Opt(Type.Integer({ minimum: 0 })),
    }),
  }),
  'recording.available': Type.Object({
    recording: Type.Object({
      id: Type.String({ pattern: SESSION_ID_PATTERN }),
      name: Opt(Str(500)),
      type: Opt(
        Type.Union(
          ['Other', 'Operator', 'Guest', 'AllParticipants', 'ScreenSharing'].map((v) => Type.Literal(v)),
        ),
      ),
      started: Opt(Type.String({ pattern: RFC3339_PATTERN })),
      durationMs: Opt(Type.Integer({ minimum: 0 })),
      contentType: Opt(Str(200)),
    }),
  }),
  'file.deleted': Type.Object({ fileId: Type.String({ pattern: SESSION_ID_PATTERN }) }),
  'session.anonymized': Type.Object({}),
  'tags.added': Type.Object({ tags: Type.Array(Tag, { minItems: 1, maxItems: 100 }) }),
  'tags.removed': Type.Object({ tags: Type.Array(Tag, { minItems: 1, maxItems: 100 }) }),
  'callparams.updated': Type.Object({
    params: Type.Record(Type.String(), Type.String({ maxLength: 10000 })),
  }),
  feedback: Type.Object({
    stars: Opt(Type.Integer({ minimum: 0, maximum: 10 })),
    scale: Opt(Type.Union([Type.Literal('Likert'), Type.Literal('NPS')])),
    text: Opt(Str(10000)),
  }),
  'dial.result': Type.Object({ state: literals(DIAL_STATES) }),
  'session.log': Type.Object({ message: Type.String({ minLength: 1, maxLength: 10000 }) }),
  'session.ended': Type.Object({
    reason: Opt(literals(TERMINATION_REASONS)),
    outcome: Opt(Str(200)),
    containment: Opt(literals(CONTAINMENT_TYPES)),
  }),
} as const;

export type EventType = keyof typeof EVENT_FIELDS;
export const EVENT_TYPES = Object.keys(EVENT_FIELDS) as EventType[];

/**
 * Tie-break order for events sharing one `at`: the lifecycle order. Together with the event id it makes
 * the projection a function of the set of events alone.
 */
export const TYPE_PRECEDENCE: Readonly<Record<EventType, number>> = Object.fromEntries(
  (
    [
      'session.created',
      'routing.requested',
      // A timeout and the re-queue it causes often share an instant: the timeout comes first.
      'routing.queue_timeout',
      'routing.operator_timeout',
      'routing.queued',
      'routing.dequeued',
      'routing.assigned',
      'routing.accepted',
      'guest.joined',
      'operator.joined',
      'bot.joined',
      'routing.forwarded',
      'routing.invited',
      'bot.handoff',
      'message',
      'bot.task',
      'file.shared',
      'recording.available',
      'file.deleted',
      'tags.added',
      'tags.removed',
      'callparams.updated',
      'session.held',
      'session.resumed',
      'dial.result',
      'session.log',
      'session.anonymized',
      'feedback',
      'guest.left',
      'bot.left',
      'operator.left',
      'routing.ended',
      'session.ended',
      'operator.concluded',
    ] satisfies EventType[]
  ).map((type, index) => [type, index]),
) as Record<EventType, number>;

export const Envelope = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 200 }),
  sessionId: Type.String({ pattern: SESSION_ID_PATTERN }),
  type: Type.String(),
  at: Type.String({ pattern: RFC3339_PATTERN }),
});

type FieldsOf<T extends EventType> = Static<(typeof EVENT_FIELDS)[T]>;

/** A validated native event. */
export type SessionEvent = {
  [T in EventType]: { id: string; sessionId: string; type: T; at: string } & FieldsOf<T>;
}[EventType];

/** An event of one type, e.g. `EventOf<'routing.accepted'>`. */
export type EventOf<T extends EventType> = Extract<SessionEvent, { type: T }>;

/** The schema of a whole event of one type (envelope plus fields), for the OpenAPI document. */
export function eventSchema(type: EventType): TSchema {
  return Type.Composite([Envelope, Type.Object({ type: Type.Literal(type) }), EVENT_FIELDS[type]], {
    title: type,
  });
}

/**
 * Parses an RFC 3339 timestamp to epoch milliseconds, or returns null when the text is not a real instant
 * (31 February, hour 25, …). Sub-millisecond digits are truncated.
 */
export function parseInstant(text: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/.exec(
    text,
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, zone] = m as unknown as string[];
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(s);
  // Years 0001–9999: PostgreSQL has no year 0, and four digits is what RFC 3339 writes.
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  if (day > daysIn(year, month)) return null;
  let offset = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    // No zone is more than 14 hours from UTC; PostgreSQL refuses offsets beyond ±15:59.
    if (oh > 15 || om > 59) return null;
    offset = (zone.startsWith('-') ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  return utc(year, month, day, hour, minute, second, ms) - offset;
}

/** Date.UTC for every year: Date.UTC itself reads years 0–99 as 1900–1999. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
