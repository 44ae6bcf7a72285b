/** Wire schemas of the native session API (single source of validation, types and OpenAPI). */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { CONTAINMENT_TYPES, SESSION_ID_PATTERN, SESSION_SOURCES, literals } from '../domain/events.js';
import { ROUTING_ACTIVITY_TYPES, SESSION_STATUSES } from '../domain/session.js';

/**
 * `T | null` as a JSON-Schema type array rather than `anyOf` where the schema has one type: fast-json-stringify
 * serialises `anyOf` by validating each branch with ajv, which dominated the read path's CPU time.
 */
const Nullable = <T extends TSchema>(schema: T): TUnsafe<Static<T> | null> =>
  typeof schema.type === 'string'
    ? Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })
    : Type.Unsafe<Static<T> | null>(Type.Union([schema, Type.Null()]));
const Instant = Nullable(Type.String({ format: 'date-time' }));
const Ms = Nullable(Type.Integer({ description: 'milliseconds' }));
const Anything = Type.Unknown();

export const Durations = Type.Object(
  {
    created: Ms,
    inQueue: Ms,
    waiting: Ms,
    bcw: Ms,
    active: Ms,
    acw: Ms,
    ring: Ms,
    waited: Ms,
  },
  {
    description:
      'State durations in ms as the mluvii FAQ defines them; null when not applicable. Running values for an open session are computed against the clock at read time.',
  },
);

const OperatorRef = Type.Object({
  id: Type.String(),
  userId: Type.Integer(),
  firstName: Nullable(Type.String()),
  lastName: Nullable(Type.String()),
  userName: Nullable(Type.String()),
});

const Group = Type.Object({ id: Type.Integer(), name: Type.Optional(Type.String()) });

export const NativeOperator = Type.Composite([
  OperatorRef,
  Type.Object({
    joined: Instant,
    left: Instant,
    concluded: Instant,
    note: Nullable(Type.String()),
    durations: Type.Object({ queue: Ms, acw: Ms }),
  }),
]);

const RoutingItem = Type.Object({
  routingRequestId: Nullable(Type.Integer()),
  timestamp: Type.String({ format: 'date-time' }),
  activityType: literals(ROUTING_ACTIVITY_TYPES),
  group: Nullable(Group),
  operator: Nullable(OperatorRef),
  phoneNumber: Nullable(Type.String()),
  forwardedByOperator: Nullable(OperatorRef),
  invitedByOperator: Nullable(OperatorRef),
});

const Activity = Type.Object({
  activityId: Type.Integer(),
  time: Type.String({ format: 'date-time' }),
  type: Type.String(),
  client: Nullable(Type.String()),
  operatorId: Nullable(Type.String()),
  userId: Nullable(Type.Integer()),
  botId: Nullable(Type.String()),
  text: Nullable(Type.String()),
  lang: Nullable(Type.String()),
  fileId: Nullable(Type.String()),
  toOperatorUserId: Nullable(Type.Integer()),
  toGroupId: Nullable(Type.Integer()),
  toGroupName: Nullable(Type.String()),
  toPhoneNumber: Nullable(Type.String()),
  note: Nullable(Type.String()),
  terminationReason: Nullable(Type.String()),
});

const FileOut = Type.Object({
  id: Type.String(),
  name: Type.String(),
  contentType: Nullable(Type.String()),
  size: Nullable(Type.Integer()),
  from: Type.String(),
  shared: Type.String({ format: 'date-time' }),
  deleted: Instant,
  downloadUrl: Type.String(),
});

const RecordingOut = Type.Object({
  id: Type.String(),
  name: Nullable(Type.String()),
  type: Nullable(Type.String()),
  started: Instant,
  durationMs: Ms,
  contentType: Nullable(Type.String()),
  available: Type.String({ format: 'date-time' }),
  deleted: Instant,
  downloadUrl: Type.String(),
});

const summaryFields = {
  sessionId: Type.String(),
  channel: Nullable(Type.String()),
  source: Type.String(),
  direction: Type.String(),
  status: literals(SESSION_STATUSES),
  created: Type.String({ format: 'date-time' }),
  started: Instant,
  guestJoined: Instant,
  ended: Instant,
  durations: Durations,
  containment: Nullable(Type.String()),
  groups: Type.Array(Group),
  operatorIds: Type.Array(Type.String()),
  botIds: Type.Array(Type.String()),
  eventCount: Type.Integer(),
};

export const SessionSummary = Type.Object(summaryFields, { $id: 'SessionSummary' });

export const NativeSession = Type.Object(
  {
    ...summaryFields,
    operators: Type.Array(NativeOperator),
    routing: Type.Array(RoutingItem),
    activities: Type.Array(Activity),
    chatbots: Type.Array(
      Type.Object({
        botId: Type.String(),
        chatbotId: Nullable(Type.Integer()),
        name: Nullable(Type.String()),
        joined: Type.String(),
        left: Instant,
      }),
    ),
    tags: Type.Array(
      Type.Object({ name: Type.String(), scope: Type.String(), value: Nullable(Type.String()) }),
    ),
    callParams: Type.Record(Type.String(), Type.Object({ value: Type.String(), updated: Type.String() })),
    feedback: Nullable(
      Type.Object({
        stars: Nullable(Type.Integer()),
        scale: Nullable(Type.String()),
        text: Nullable(Type.String()),
      }),
    ),
    recordings: Type.Array(RecordingOut),
    files: Type.Array(FileOut),
    guest: Nullable(Type.Record(Type.String(), Anything)),
    createdBy: Nullable(OperatorRef),
    campaign: Nullable(Type.Object({ id: Type.Union([Type.Integer(), Type.String()]), mode: Type.String() })),
    telephony: Nullable(Type.Record(Type.String(), Type.String())),
    bot: Nullable(
      Type.Object({
        botId: Type.String(),
        userId: Nullable(Type.String()),
        surface: Nullable(Type.String()),
        isDeveloper: Type.Boolean(),
      }),
    ),
    directCallNumber: Nullable(Type.String()),
    phoneCallbackNumber: Nullable(Type.String()),
    url: Nullable(Type.String()),
    widget: Nullable(Type.Union([Type.Integer(), Type.String()])),
    isDirectChat: Type.Boolean(),
    blacklisted: Type.Boolean(),
    guestLeft: Nullable(Type.Object({ at: Type.String(), state: Nullable(Type.String()) })),
    held: Nullable(
      Type.Object({
        since: Type.String(),
        by: Nullable(OperatorRef),
        reason: Type.String(),
        queueName: Nullable(Type.String()),
      }),
    ),
    holdCount: Type.Integer(),
    holdMs: Type.Integer(),
    dialResult: Nullable(Type.String()),
    anonymized: Instant,
    termination: Nullable(
      Type.Object({
        reason: Nullable(Type.String()),
        outcome: Nullable(Type.String()),
        containment: Nullable(Type.String()),
      }),
    ),
    stats: Type.Object({
      messages: Type.Integer(),
      guestMessages: Type.Integer(),
      operatorMessages: Type.Integer(),
      botMessages: Type.Integer(),
      tasksCompleted: Type.Integer(),
      tasksFailed: Type.Integer(),
      languages: Type.Array(Type.String()),
    }),
    log: Type.Array(Type.Object({ at: Type.String(), message: Type.String() })),
    statusHistory: Type.Array(Type.Object({ at: Type.String(), status: Type.String() })),
    lastEventAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Session' },
);
export type NativeSession = Static<typeof NativeSession>;
export type SessionSummary = Static<typeof SessionSummary>;

export const SessionParams = Type.Object({ sessionId: Type.String({ pattern: SESSION_ID_PATTERN }) });
export const FileParams = Type.Object({
  sessionId: Type.String({ pattern: SESSION_ID_PATTERN }),
  fileId: Type.String({ pattern: SESSION_ID_PATTERN }),
});

const DateTimeQuery = Type.String({ description: 'RFC 3339 instant' });
export const ListQuery = Type.Object(
  {
    createdFrom: Type.Optional(DateTimeQuery),
    createdTo: Type.Optional(DateTimeQuery),
    endedFrom: Type.Optional(DateTimeQuery),
    endedTo: Type.Optional(DateTimeQuery),
    channel: Type.Optional(literals(['chat', 'av', 'phone', 'fax'] as const)),
    source: Type.Optional(literals(SESSION_SOURCES)),
    status: Type.Optional(literals(SESSION_STATUSES)),
    operator: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    group: Type.Optional(Type.Integer()),
    bot: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    containment: Type.Optional(literals(CONTAINMENT_TYPES)),
    limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListQuery = Static<typeof ListQuery>;

export const SessionPage = Type.Object({
  items: Type.Array(SessionSummary),
  nextCursor: Nullable(
    Type.String({ description: 'pass as `cursor` for the next page; null on the last page' }),
  ),
});
