/**
 * The Evo calls' fields, bodies and answers for /docs (docs/evo.md). Documentation only: ServiceStack binds
 * fields case-insensitively from the query string and the body (./bind.ts), so the routes check them
 * themselves and answer `responseStatus` errors; Fastify must not validate them.
 */
import { pathParam, query, type Json, type OperationDocs } from '../../http/openapi.js';
import { FORMATS, type Format } from './format.js';
import { CALL_STATES, HOLD_REASONS, QUEUE_STATES } from './map.js';

const text = { type: 'string' };
const flag = { type: 'boolean' };
const day = { type: 'string', format: 'date', description: 'YYYY-MM-DD (UTC)' };
const instant = { type: 'string', description: 'a day (YYYY-MM-DD) or an RFC 3339 date-time' };
const idList = (what: string) => ({ type: 'string', description: `${what}, comma-joined or repeated` });

const MEDIA: Record<Format, string> = {
  json: 'application/json',
  xml: 'application/xml',
  csv: 'text/csv',
  jsonl: 'text/jsonl',
};

const ResponseStatus = {
  type: 'object',
  properties: {
    responseStatus: {
      type: 'object',
      properties: {
        errorCode: { type: 'string', example: 'ArgumentException' },
        message: { type: 'string' },
        errors: {
          type: 'array',
          items: {
            type: 'object',
            properties: { errorCode: text, fieldName: text, message: text },
          },
        },
      },
    },
  },
};

const SessionInfo = {
  type: 'object',
  description: 'SessionInfo: every field in docs/evo.md',
  additionalProperties: true,
  properties: {
    id: text,
    dateCreated: text,
    dateLastModified: text,
    accountId: text,
    accountName: text,
    customerId: { ...text, nullable: true },
    endpointId: { ...text, nullable: true },
    channel: { type: 'string', enum: ['Voice', 'Chat', 'Fax'] },
    direction: { type: 'string', enum: ['Incoming', 'Outgoing'] },
    callState: { type: 'string', enum: [...CALL_STATES] },
    queueState: { type: 'string', enum: [...QUEUE_STATES] },
    holdReason: { type: 'string', enum: [...HOLD_REASONS] },
    fromAddress: { ...text, nullable: true },
    toAddress: { ...text, nullable: true },
    dateCompleted: { ...text, nullable: true },
    consoleData: { ...text, nullable: true },
    log: { type: 'array', items: { type: 'object' } },
    members: { type: 'array', items: { type: 'object' } },
  },
};
const sessions = (key: string) => ({
  type: 'object',
  properties: { [key]: { type: 'array', items: SessionInfo } },
});
const ListSessionsResponse = {
  type: 'object',
  properties: {
    items: { type: 'array', items: SessionInfo },
    totalCount: { type: 'integer', nullable: true },
    totalPages: { type: 'integer', nullable: true },
    hasMorePages: flag,
  },
};
const AuthenticateResponse = {
  type: 'object',
  properties: {
    userId: text,
    sessionId: { ...text, nullable: true },
    userName: text,
    displayName: text,
    referrerUrl: { ...text, nullable: true },
    bearerToken: { ...text, nullable: true },
    roles: { type: 'array', items: text },
    permissions: { type: 'array', items: text },
  },
};
const Transcript = {
  type: 'object',
  properties: {
    sessionId: text,
    messages: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          sessionId: text,
          date: text,
          sender: { type: 'string', enum: ['Caller', 'Agent', 'Bot'] },
          senderId: { ...text, nullable: true },
          senderName: { ...text, nullable: true },
          text,
          language: { ...text, nullable: true },
        },
      },
    },
  },
};

const error = (description: string) => ({
  description,
  content: { 'application/json': { schema: ResponseStatus } },
});
const ERRORS = {
  400: error('ArgumentException: a field is wrong (named in errors[].fieldName)'),
  401: error('Unauthorized: no or wrong credentials'),
  403: error("Forbidden: the client's role does not allow it"),
};
const ON_SESSION = {
  ...ERRORS,
  404: error('NotFound: no such session in this account'),
  409: error('Conflict: the session has ended'),
};

/** A 200 in the formats the route answers: the one it fixes, else every one (Accept or `?format=`). */
function ok(description: string, schema: Json, fixed: Format | null = null): Json {
  const formats = fixed ? [fixed] : FORMATS;
  return {
    description,
    content: Object.fromEntries(
      formats.map((f) => [MEDIA[f], f === 'json' ? { schema } : { schema: { type: 'string' } }]),
    ),
  };
}

const jsonBody = (schema: Json, example: Json, form = false): Json => ({
  required: true,
  content: {
    'application/json': { schema, example },
    ...(form ? { 'application/x-www-form-urlencoded': { schema, example } } : {}),
  },
});

const FORMAT = query('format', { type: 'string', enum: [...FORMATS, 'jsv'] }, 'the answer format (jsv: 405)');
const ACCOUNT = query('accountId', text, 'the account (another account: an empty list)');
const SESSION_ID = pathParam('sessionId', text, '6f0d3a52-8c41-4b7e-9a2f-1d5e7c3b8a90');

const LIST_PARAMS = [
  query('accountIds', idList('account ids')),
  query('customerIds', idList('customer ids')),
  query('endpointIds', idList('endpoint ids')),
  query('startDate', day, 'created on or after this day'),
  query('endDate', day, 'created on or before this day'),
  query('from', text, 'substring of the from address'),
  query('to', text, 'substring of the to address'),
  query('log', text, 'substring of a log line (without startDate or searchArchive: the last 15 days)'),
  query('parentSessionId', text, 'Switchboard sessions have no parent: matches none'),
  query('searchArchive', flag, 'widen a log search to every date'),
  query('specificIds', idList('session ids')),
  query('page', { type: 'integer', minimum: 0, default: 0 }, '0-based', 0),
  query('countPerPage', { type: 'integer', minimum: 1, maximum: 1000, default: 25 }, undefined, 25),
  query('all', flag, 'up to 10,000 at once'),
  query(
    'sortField',
    {
      type: 'string',
      enum: ['DateCreated', 'DateLastModified', 'DateCompleted', 'Id'],
      default: 'DateCreated',
    },
    undefined,
    'DateCreated',
  ),
  query(
    'sortOrder',
    { type: 'string', enum: ['Ascend', 'Descend'], default: 'Descend' },
    undefined,
    'Descend',
  ),
  query('simplifiedPaging', flag, 'no count: totalCount and totalPages null'),
];

const PATCH_BODY = {
  type: 'object',
  properties: {
    consoleData: text,
    callState: { type: 'string', enum: [...CALL_STATES] },
    queueState: { type: 'string', enum: [...QUEUE_STATES] },
    holdReason: { type: 'string', enum: [...HOLD_REASONS] },
  },
};
const HOLD_BODY = {
  type: 'object',
  properties: { callSid: text, sessionId: text, reason: { type: 'string', enum: [...HOLD_REASONS] } },
};
const REDIRECT_BODY = {
  type: 'object',
  required: ['destination'],
  properties: { destination: { type: 'string', maxLength: 64 }, callerId: text },
};
const LOGIN_BODY = {
  type: 'object',
  properties: {
    provider: { type: 'string', enum: ['credentials', 'logout'], default: 'credentials' },
    userName: { type: 'string', description: 'the client id' },
    password: { type: 'string', description: 'the client secret' },
    rememberMe: { type: 'boolean', description: '14 days instead of 12 hours' },
  },
};
const LOGIN_EXAMPLE = {
  userName: 'sbc_Vb3kQ9xLm2RtYw7P',
  password: 'sbs_2mX9qTzL7vRbN4cK8yHdW1sFjE6uPaG3oI5eQ0rYtZk',
  rememberMe: true,
};
const DELETE_RANGE = [
  query('accountId', text),
  query('startDateTime', { ...instant }, 'created from (required)', '2026-03-01'),
  query('endDateTime', { ...instant }, 'created until (required)', '2026-03-02T00:00:00Z'),
];

const AUTH_OK = ok('AuthenticateResponse (and the ss-id cookie on login)', AuthenticateResponse);

/** The custom routes (./custom.ts), by operation. */
export const EVO_DOCS = {
  login: {
    requestBody: jsonBody(LOGIN_BODY, LOGIN_EXAMPLE, true),
    responses: { 200: AUTH_OK, 401: ERRORS[401] },
  },
  auth: (method: string): OperationDocs =>
    method === 'POST'
      ? {
          requestBody: jsonBody(LOGIN_BODY, { provider: 'credentials', ...LOGIN_EXAMPLE }, true),
          responses: { 200: AUTH_OK, 400: ERRORS[400], 401: ERRORS[401] },
        }
      : { responses: { 200: AUTH_OK, 401: ERRORS[401] } },
  logout: { responses: { 200: ok('An empty AuthenticateResponse', { type: 'object' }) } },
  status: {
    responses: {
      200: ok('Who is logged in: id, name, roles, accountIds, accountNames', { type: 'object' }),
      401: ERRORS[401],
    },
  },
  list: (fixed: Format | null): OperationDocs => ({
    parameters: [...LIST_PARAMS, ...(fixed ? [] : [FORMAT])],
    responses: { 200: ok('ListSessionsResponse', ListSessionsResponse, fixed), ...ERRORS },
  }),
  live: (fixed: Format | null): OperationDocs => ({
    parameters: [ACCOUNT, ...(fixed ? [] : [FORMAT])],
    responses: {
      200: ok('The live sessions, newest first (at most 1,000)', sessions('sessions'), fixed),
      ...ERRORS,
    },
  }),
  get: {
    parameters: [
      { ...SESSION_ID, description: 'the session id, optionally with .json, .xml or .csv' },
      FORMAT,
    ],
    responses: { 200: ok('SessionInfo', SessionInfo), ...ERRORS, 404: ON_SESSION[404] },
  },
  patch: {
    parameters: [SESSION_ID],
    requestBody: jsonBody(PATCH_BODY, {
      callState: 'Hold',
      holdReason: 'Transferring',
      consoleData: 'VIP caller',
    }),
    responses: { 200: ok('The updated SessionInfo', SessionInfo), ...ON_SESSION },
  },
  hangUp: {
    parameters: [SESSION_ID, query('callSid', text, 'the call (informative)')],
    responses: { 204: { description: 'Hung up: the session ended' }, ...ON_SESSION },
  },
  hold: {
    parameters: [SESSION_ID],
    requestBody: jsonBody(HOLD_BODY, { callSid: 'CA5f1c2a9e1b7d5c3e9a407d2e8c1b4f60', reason: 'None' }),
    responses: { 200: ok('The SessionInfo, on hold', SessionInfo), ...ON_SESSION },
  },
  redirect: {
    parameters: [SESSION_ID],
    requestBody: jsonBody(REDIRECT_BODY, { destination: '+420800123456', callerId: '+420221000111' }),
    responses: { 200: ok('The SessionInfo, forwarded', SessionInfo), ...ON_SESSION },
  },
  transcript: {
    parameters: [
      SESSION_ID,
      query('includeHistorical', flag, "also the customer's earlier sessions"),
      query('historicalCutOffDate', instant, 'history since (default 30 days before, at most 90)'),
    ],
    responses: { 200: ok('The chat messages, oldest first', Transcript), ...ERRORS, 404: ON_SESSION[404] },
  },
  deleteRange: {
    parameters: DELETE_RANGE,
    responses: {
      200: ok('How many sessions were removed', {
        type: 'object',
        properties: { deleted: { type: 'integer' } },
      }),
      ...ERRORS,
    },
  },
  calls: {
    parameters: [ACCOUNT],
    responses: { 200: ok('The live voice calls', sessions('calls')), ...ERRORS },
  },
} satisfies Record<string, OperationDocs | ((arg: never) => OperationDocs)>;

/** What each predefined operation takes, for the `POST`/`PUT`/`PATCH` body examples. */
const OPERATION_EXAMPLES: Record<string, Json> = {
  Authenticate: { provider: 'credentials', ...LOGIN_EXAMPLE },
  ListSessions: { countPerPage: 25, sortField: 'DateCreated', sortOrder: 'Descend' },
  GetSession: { sessionId: '6f0d3a52-8c41-4b7e-9a2f-1d5e7c3b8a90' },
  GetActiveSessions: {},
  GetMySessions: {},
  HoldSession: { sessionId: '6f0d3a52-8c41-4b7e-9a2f-1d5e7c3b8a90', reason: 'None' },
  RedirectSession: { sessionId: '6f0d3a52-8c41-4b7e-9a2f-1d5e7c3b8a90', destination: '+420800123456' },
  PatchSession: { sessionId: '6f0d3a52-8c41-4b7e-9a2f-1d5e7c3b8a90', callState: 'Connected' },
  DeleteSessions: { startDateTime: '2026-03-01', endDateTime: '2026-03-02T00:00:00Z' },
};

/**
 * ServiceStack's predefined routes (./predefined.ts): `operation` offers the operations the method
 * accepts; a read or a delete takes its fields in the query string, the others in the body.
 */
export function predefinedDocs(
  operations: Record<string, { verbs: readonly string[] }>,
  fixed: Format | null,
) {
  return (method: string): OperationDocs => {
    const names = Object.keys(operations).filter((name) => operations[name].verbs.includes(method));
    const operation = {
      ...pathParam(
        'operation',
        { type: 'string', enum: names },
        names.includes('ListSessions') ? 'ListSessions' : names[0],
      ),
      description: 'the request DTO name, case-insensitive',
    };
    const format = fixed ? [] : [FORMAT];
    const responses = {
      200: ok(
        "The operation's answer: SessionInfo, ListSessionsResponse, { sessions }, AuthenticateResponse or { deleted }",
        {
          type: 'object',
        },
        fixed,
      ),
      ...ON_SESSION,
      405: error('NotSupported: the operation does not accept this method (Allow lists those it does)'),
    };
    if (method === 'GET' || method === 'DELETE')
      return {
        parameters: [
          operation,
          ...format,
          query('sessionId', text, 'GetSession'),
          ...(method === 'DELETE' ? DELETE_RANGE : [ACCOUNT, ...LIST_PARAMS]),
        ],
        responses,
      };
    return {
      parameters: [operation, ...format],
      requestBody: {
        required: false,
        description: "The operation's fields (names case-insensitive); JSON or form",
        content: {
          'application/json': {
            schema: { type: 'object', additionalProperties: true },
            examples: Object.fromEntries(
              names.map((name) => [name, { summary: name, value: OPERATION_EXAMPLES[name] }]),
            ),
          },
        },
      },
      responses,
    };
  };
}
