/**
 * Evo Voice's declared wire types, written from the reference (shared/reference/evo-voice.md, seed 003)
 * and NOT from Switchboard's code, so that a response checked against them is checked against the vendor:
 * SessionInfo, SessionMemberInfo, the list envelope, GetActiveSessionsResponse, the auth answers, and the
 * inferred shapes of the CLI's `/calls/active` and transcript. Every enum is the exact list of names.
 */
import assert from 'node:assert/strict';
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ENUMS = {
  SessionDialState: ['None', 'Active'],
  SessionCallState: ['Disconnected', 'Ringing', 'Connected', 'Hold', 'Passive'],
  SessionQueueStates: ['None', 'Queued', 'Ringing', 'Connected', 'Hold', 'Disconnected'],
  FlowChannels: ['Voice', 'Chat', 'Fax'],
  SessionHoldReasons: ['None', 'Transferring'],
  SessionMemberCallState: ['None', 'Ringing', 'Connected', 'Hold'],
  SessionMemberRoles: ['None', 'Caller', 'Agent', 'Transfer'],
  SessionDirections: ['Incoming', 'Outgoing'],
  Roles: ['User', 'Manager', 'SystemAdministrator'],
} as const;

/** An ISO 8601 date-time string, as Evo's dates are strings. */
export const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,7})?(Z|[+-]\\d{2}:\\d{2})$';

const strict = { additionalProperties: false };
const Enum = (names: readonly string[]) => Type.Union(names.map((n) => Type.Literal(n)));
const Str = Type.String();
const StrOrNull = Type.Union([Type.String(), Type.Null()]);
const DateStr = Type.String({ pattern: DATE_PATTERN });
const DateOrNull = Type.Union([DateStr, Type.Null()]);
const Count = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

export const SessionMemberInfo = Type.Object(
  {
    identity: StrOrNull,
    endpointId: StrOrNull,
    displayName: StrOrNull,
    isOriginalMember: Type.Boolean(),
    avatarUrl: StrOrNull,
    applicationData: Type.Record(Type.String(), Type.String()),
    callState: Enum(ENUMS.SessionMemberCallState),
    role: Enum(ENUMS.SessionMemberRoles),
    callSid: StrOrNull,
    muted: Type.Boolean(),
  },
  strict,
);

export const SessionInfo = Type.Object(
  {
    id: Str,
    dateCreated: DateStr,
    dateLastModified: DateStr,
    createdBy: StrOrNull,
    lastModifiedBy: StrOrNull,
    dialState: Enum(ENUMS.SessionDialState),
    callState: Enum(ENUMS.SessionCallState),
    queueState: Enum(ENUMS.SessionQueueStates),
    accountId: Str,
    accountName: StrOrNull,
    customerId: StrOrNull,
    customerBreadcrumb: Type.Array(Type.Object({ id: Str, name: StrOrNull }, strict)),
    customerName: StrOrNull,
    endpointId: StrOrNull,
    endpointName: StrOrNull,
    dateCompleted: DateOrNull,
    destination: StrOrNull,
    toAddress: StrOrNull,
    fromAddress: StrOrNull,
    fromName: StrOrNull,
    answeredByName: StrOrNull,
    queueMemberId: StrOrNull,
    channel: Enum(ENUMS.FlowChannels),
    ended: Type.Boolean(),
    outcome: StrOrNull,
    callSid: StrOrNull,
    consoleData: StrOrNull,
    holdQueueName: StrOrNull,
    heldByUserId: StrOrNull,
    holdReason: Enum(ENUMS.SessionHoldReasons),
    conferenceSid: StrOrNull,
    displayName: StrOrNull,
    log: Type.Array(Type.Object({ date: DateStr, message: Str }, strict)),
    members: Type.Array(SessionMemberInfo),
    callbackNumber: StrOrNull,
    answeredById: StrOrNull,
    direction: Enum(ENUMS.SessionDirections),
    fromPhoneNumber: StrOrNull,
    mostRecentParticipantCallSid: StrOrNull,
    wasMissed: Type.Boolean(),
    ringQueueId: StrOrNull,
  },
  strict,
);

export const ListSessionsResponse = Type.Object(
  { items: Type.Array(SessionInfo), totalCount: Count, totalPages: Count, hasMorePages: Type.Boolean() },
  strict,
);

export const GetActiveSessionsResponse = Type.Object({ sessions: Type.Array(SessionInfo) }, strict);

/** Inferred (docs/evo.md): the CLI's `GET /calls/active`. */
export const ActiveCallsResponse = Type.Object({ calls: Type.Array(SessionInfo) }, strict);

/** Inferred (docs/evo.md): the CLI's `GET /sessions/{id}/transcript`. */
export const TranscriptResponse = Type.Object(
  {
    sessionId: Str,
    messages: Type.Array(
      Type.Object(
        {
          sessionId: Str,
          date: DateStr,
          sender: Enum(['Caller', 'Agent', 'Bot']),
          senderId: StrOrNull,
          senderName: StrOrNull,
          text: StrOrNull,
          language: StrOrNull,
        },
        strict,
      ),
    ),
  },
  strict,
);

export const AuthenticateResponse = Type.Object(
  {
    userId: Str,
    sessionId: StrOrNull,
    userName: Str,
    displayName: Str,
    referrerUrl: StrOrNull,
    bearerToken: StrOrNull,
    roles: Type.Array(Enum(ENUMS.Roles)),
    permissions: Type.Array(Str),
  },
  strict,
);

export const AuthStatus = Type.Object(
  {
    id: Str,
    isAuthenticated: Type.Boolean(),
    firstName: Str,
    lastName: Str,
    name: Str,
    emailAddress: StrOrNull,
    roles: Type.Array(Enum(ENUMS.Roles)),
    accountIds: Type.Array(Str, { minItems: 1 }),
    accountNames: Type.Array(Str),
    avatarUrl: StrOrNull,
  },
  strict,
);

export const ResponseStatus = Type.Object(
  {
    responseStatus: Type.Object(
      {
        errorCode: Str,
        message: Str,
        errors: Type.Array(Type.Object({ errorCode: Str, fieldName: Str, message: Str }, strict)),
      },
      strict,
    ),
  },
  strict,
);

/** Asserts that `value` fits `schema`, naming the first misfits (path, message, value). */
export function conform(schema: TSchema, value: unknown, label: string): void {
  const errors = [...Value.Errors(schema, value)].slice(0, 5);
  if (errors.length > 0) {
    assert.fail(
      `${label} does not fit the declared type:\n` +
        errors.map((e) => `  ${e.path || '/'}: ${e.message} (got ${JSON.stringify(e.value)})`).join('\n'),
    );
  }
}
