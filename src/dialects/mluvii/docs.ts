/**
 * The mluvii routes' parameters, answers and errors for /docs (docs/mluvii.md). Documentation only: the list
 * queries are parsed by ./query.ts (repeated, case-insensitive keys that Fastify must not validate), path ids
 * by the routes, and the answers are mapped by ./map.ts, so nothing here changes what a route accepts or
 * sends. The list parameters are generated from the lists' own filter tables: a filter added there is
 * documented here without a change.
 */
import { jsonResponse, pathParam, query, type Json, type OperationDocs } from '../../http/openapi.js';
import { SESSION_CHANNEL, SESSION_SOURCE, SESSION_STATUS } from './enums.js';
import { DEFAULT_LIMIT, MAX_LIMIT, MAX_PAGE, SESSION_LIST, type ListSpec } from './query.js';

/** ASP.NET Core's ProblemDetails (a 400 is a ValidationProblemDetails: `errors` by parameter name). */
const Problem: Json = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
  },
};

/**
 * The problems a mluvii call answers: 401 and 403, which every `/api/v1` call may answer, and the route's
 * own, by status.
 */
export function problems(own: Record<number, string>): Record<string, Json> {
  const all: Record<number, string> = {
    401: 'No Bearer token, or one that is forged, expired or revoked (`WWW-Authenticate: Bearer`)',
    403: "The client's role may not make this call",
    ...own,
  };
  return Object.fromEntries(
    Object.entries(all).map(([status, description]) => [
      status,
      { description, content: { 'application/problem+json': { schema: Problem } } },
    ]),
  );
}

const NOT_FOUND = 'No such session in the tenant (also a non-numeric id)';
/** mluvii's int (Int32); a long is int64. */
export const Int32 = { type: 'integer', format: 'int32' };
const Int64 = { type: 'integer', format: 'int64' };
const DateTimeOffset = { type: 'string', format: 'date-time' };
const NoContent = { description: 'Done' };

/** The query parameters of a mluvii list, from its filter table: its filters, `limit`, `offset` or `page`. */
export function listQueryParameters(spec: ListSpec, examples: Record<string, unknown>): Json[] {
  const filters = spec.filters.flatMap((f) => f.params);
  const params = filters.map(({ name, schema, description }) => ({
    ...query(name, schema, description, examples[name]),
    ...(schema.type === 'array' ? { style: 'form', explode: true } : {}),
  }));
  const paging =
    spec.paging === 'offset'
      ? query('offset', { type: 'integer', minimum: 0, default: 0 }, 'Rows to skip', examples.offset)
      : query(
          'page',
          { type: 'integer', minimum: 1, maximum: MAX_PAGE, default: 1 },
          '1-based',
          examples.page,
        );
  const limit = query(
    'limit',
    { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
    'Rows per page',
    examples.limit,
  );
  return [...params, limit, paging];
}

/**
 * The prefilled values of `GET /api/v1/Sessions` in Swagger UI, which sends them all at once: together they
 * must stay a request that answers (the OpenAPI test sends each and all). Other formats are in the
 * parameters' descriptions.
 */
export const SESSIONS_EXAMPLES: Record<string, unknown> = {
  'Created.Min': '2026-05-04',
  Channel: ['Chat', 'AV'],
  limit: DEFAULT_LIMIT,
  offset: 0,
};

/** A sketch of mluvii's SessionModel: its identifying fields; the whole model is in docs/mluvii.md. */
const SessionModel: Json = {
  type: 'object',
  description:
    "mluvii's SessionModel (every field of mluvii's reference; docs/mluvii.md#sessions): ids, guest, operators, times, durations (ISO 8601), activities, tags, chatbots, feedback, recordings…",
  properties: {
    id: Int64,
    companyId: Int32,
    departmentId: Int32,
    channel: { type: 'string', enum: [...SESSION_CHANNEL] },
    source: { type: 'string', enum: [...SESSION_SOURCE] },
    status: { type: 'string', enum: [...SESSION_STATUS] },
    created: DateTimeOffset,
    started: { ...DateTimeOffset, nullable: true },
    ended: { ...DateTimeOffset, nullable: true },
    waited: { type: 'string', nullable: true, example: 'PT42S' },
    length: { type: 'string', nullable: true, example: 'PT6M10S' },
  },
};

const SESSION_ID = pathParam('id', Int64, 1);

export const SESSIONS_DOCS: OperationDocs = {
  parameters: listQueryParameters(SESSION_LIST, SESSIONS_EXAMPLES),
  responses: {
    200: jsonResponse('SessionModels ordered by id; a page shorter than `limit` is the last', {
      type: 'array',
      items: SessionModel,
    }),
    ...problems({
      400: 'A name that is not a filter, or a value that does not parse: `errors` names each parameter',
    }),
  },
};

export const SESSION_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: { 200: jsonResponse('The session', SessionModel), ...problems({ 404: NOT_FOUND }) },
};

const PersonRef = {
  type: 'object',
  nullable: true,
  properties: { userId: Int32, firstName: { type: 'string' }, lastName: { type: 'string' } },
};

export const ROUTING_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: {
    200: jsonResponse('RoutingTimeLine items, oldest first', {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          routingRequestId: Int64,
          timestamp: DateTimeOffset,
          activityType: { type: 'string', example: 'AcceptedByOperator' },
          group: { type: 'object', nullable: true, properties: { id: Int32, name: { type: 'string' } } },
          phoneNumber: { type: 'string', nullable: true },
          operator: PersonRef,
          forwardedByOperator: PersonRef,
          invitedByOperator: PersonRef,
        },
      },
    }),
    ...problems({ 404: NOT_FOUND }),
  },
};

export const CALL_PARAMS_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: {
    200: jsonResponse('The call parameters (CallParamsModel)', {
      type: 'object',
      properties: {
        callParams: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              value: { type: 'string' },
              readOnly: { type: 'boolean' },
              source: { type: 'string', example: 'API' },
              updatedDate: DateTimeOffset,
            },
          },
        },
      },
    }),
    ...problems({ 404: NOT_FOUND }),
  },
};

export const SET_CALL_PARAMS_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: {
    204: { description: 'Recorded (callparams.updated); an empty set records nothing' },
    ...problems({ 400: 'Not `{"callParams": {name: value}}`', 404: NOT_FOUND }),
  },
};

const TagModel = {
  type: 'object',
  properties: {
    id: Int32,
    name: { type: 'string' },
    label: { type: 'string', nullable: true },
    departmentId: Int32,
    backgroundArgb: { type: 'string', nullable: true },
    textArgb: { type: 'string', nullable: true },
  },
};

export const TAGS_DOCS: OperationDocs = {
  responses: {
    200: jsonResponse("The tenant's tags (TagModel), by id", { type: 'array', items: TagModel }),
    ...problems({}),
  },
};

export const ADD_TAG_DOCS: OperationDocs = {
  responses: {
    201: jsonResponse('Added', TagModel),
    409: jsonResponse('The catalogue has that name already: its id', Int32, 3),
    ...problems({ 400: 'No name, or one longer than 200 characters' }),
  },
};

export const SESSION_TAG_DOCS: OperationDocs = {
  parameters: [SESSION_ID, pathParam('tagId', Int32, 1)],
  responses: {
    204: { description: 'Attached or detached (done already: nothing recorded)' },
    ...problems({ 404: 'No such session or tag in the tenant' }),
  },
};

export const ANONYMIZE_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: { 204: NoContent, ...problems({ 404: NOT_FOUND }) },
};

export const FORWARD_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: {
    204: { description: 'Recorded (routing.forwarded, or bot.joined for a chatbot)' },
    ...problems({
      400: 'Not exactly one of operatorGroupId, userId, chatbotId, phoneNumber',
      404: NOT_FOUND,
      409: 'The session has ended',
    }),
  },
};

export const DELETE_FILES_DOCS: OperationDocs = {
  parameters: [SESSION_ID],
  responses: {
    200: jsonResponse('One state per file id, in the order asked', {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          fileId: Int32,
          state: { type: 'string', enum: ['REMOVED', 'ALREADY_REMOVED', 'INACCESSIBLE'] },
        },
      },
    }),
    ...problems({ 400: 'Not `{"fileIds": [1 to 1000 integers]}`', 404: NOT_FOUND }),
  },
};

const Bytes = { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } };

export const FILE_DOCS: OperationDocs = {
  parameters: [
    SESSION_ID,
    pathParam('fileId', { type: 'string', description: 'the id of a `downloadUrl` of the SessionModel' }),
  ],
  responses: {
    200: { description: 'The bytes, with the content type they were uploaded with', content: Bytes },
    206: { description: 'The part a `Range` header asked for', content: Bytes },
    ...problems({
      404: 'No such session, file or recording, or its bytes were deleted or never uploaded',
      416: 'The `Range` lies outside the file',
    }),
  },
};

const OAuthError = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: {
      type: 'string',
      enum: ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope'],
    },
    error_description: { type: 'string' },
  },
};

/** `POST /login/connect/token` in /docs; `client_id` and `client_secret` are the demo's as `npm start` prints. */
export const TOKEN_DOCS: OperationDocs = {
  requestBody: {
    required: true,
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          required: ['grant_type'],
          properties: {
            grant_type: { type: 'string', enum: ['client_credentials'] },
            client_id: { type: 'string', description: 'the API client id (or send HTTP Basic instead)' },
            client_secret: { type: 'string', description: 'the API client secret' },
            scope: { type: 'string', enum: ['mluviiPublicApi'] },
          },
        },
        example: {
          grant_type: 'client_credentials',
          client_id: 'sbc_Vb3kQ9xLm2RtYw7P',
          client_secret: 'sbs_2mX9qTzL7vRbN4cK8yHdW1sFjE6uPaG3oI5eQ0rYtZk',
          scope: 'mluviiPublicApi',
        },
      },
    },
  },
  responses: {
    200: jsonResponse(
      'A one-hour Bearer token for /api/v1',
      {
        type: 'object',
        required: ['access_token', 'expires_in', 'token_type', 'scope'],
        properties: {
          access_token: { type: 'string' },
          expires_in: { type: 'integer' },
          token_type: { type: 'string', enum: ['Bearer'] },
          scope: { type: 'string' },
        },
      },
      {
        access_token: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9…',
        expires_in: 3600,
        token_type: 'Bearer',
        scope: 'mluviiPublicApi',
      },
    ),
    400: jsonResponse(
      'An OAuth2 error (RFC 6749 §5.2): a missing field, a wrong grant, scope or client',
      OAuthError,
    ),
  },
};
