/**
 * The Kore calls' parameters and bodies for /docs (docs/kore.md). Documentation only: the routes parse and
 * check them themselves (src/dialects/kore/request.ts) and answer Kore's own errors.
 */
import { CONTAINMENT_TYPES } from '../../domain/events.js';
import { pathParam, query, type Json, type OperationDocs } from '../../http/openapi.js';
import { DEFAULT_LIMIT, MAX_SESSION_IDS, MAX_SESSIONS_LIMIT } from './request.js';
import { KORE_CHANNELS } from './schemas.js';

const DATE =
  '`yyyy-mm-dd` (midnight GMT) or `yyyy-mm-ddThh:mm:ss.msZ`; the span between dateFrom and dateTo must be less than 7 days (default: the 7 days up to now)';
const dateFrom = { type: 'string', description: `from, inclusive: ${DATE}` };
const dateTo = { type: 'string', description: `to, inclusive: ${DATE}` };
const skip = { type: 'integer', minimum: 0, default: 0, description: 'how many to skip (alias `offset`)' };
const limit = (max: number) => ({
  type: 'integer',
  minimum: 1,
  maximum: max,
  default: Math.min(DEFAULT_LIMIT, max),
});
const userId = { type: 'string', description: "the bot session's userId, else the guest's identity" };
const tagEntry = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    value: { type: 'string' },
    values: { type: 'array', items: { type: 'string' }, description: 'any of these values' },
  },
};
const tags = {
  type: 'object',
  description: 'every entry must match; an entry without value or values matches any value of that tag',
  properties: {
    userTags: { type: 'array', items: tagEntry },
    sessionTags: { type: 'array', items: tagEntry },
  },
};
const sessionIds = {
  type: 'array',
  maxItems: MAX_SESSION_IDS,
  items: { type: 'string' },
  description: `at most ${MAX_SESSION_IDS} session ids`,
};
const channelType = {
  type: 'string',
  enum: [...KORE_CHANNELS],
  description: "the session's Kore channel (not defaulted to rtm)",
};

/** The demo's Helpdesk bot (src/simulator/model.ts), so that the example answers sessions on `npm start`. */
const BOT_ID = pathParam('botId', { type: 'string' }, 'st-5f1c2a9e-1b7d-5c3e-9a40-7d2e8c1b4f60');

/**
 * getSessions bodies (docs/kore.md), the first one Swagger UI's default. The OpenAPI test posts each of them,
 * so they must stay valid requests.
 */
export const GET_SESSIONS_EXAMPLES = {
  recent: {
    summary: 'The last 7 days, sessions where the user wrote',
    value: { skip: 0, limit: 20, sessionType: 'interactive' },
  },
  window: {
    summary: 'A date window (less than 7 days) and a session tag',
    value: {
      dateFrom: '2026-03-23',
      dateTo: '2026-03-29T23:59:59.999Z',
      skip: 0,
      limit: 100,
      tags: { sessionTags: [{ name: 'topic', values: ['billing', 'orders'] }] },
    },
  },
  bySessionId: {
    summary: 'Given sessions (every other filter is ignored)',
    value: { sessionId: ['6465cf6e4769ed4e822b82a1', '6465cf6e4769ed4e822b82a2'] },
  },
};

/** getMessages bodies, as the getSessions ones. */
export const GET_MESSAGES_EXAMPLES = {
  recent: { summary: 'The last 7 days, oldest first', value: { skip: 0, limit: 50, forward: true } },
  window: {
    summary: 'A date window on one channel, for one user',
    value: {
      dateFrom: '2026-03-23',
      dateTo: '2026-03-29',
      channelType: 'rtm',
      userId: 'u-3f9a1d6e',
      limit: 100,
    },
  },
};

const jsonBody = (schema: Json, examples: Record<string, Json>): Json => ({
  required: false,
  description: 'Optional: no body, an empty one, or a JSON object',
  content: { 'application/json': { schema, examples } },
});

/** `POST …/getSessions` (one bot when `withBot`). */
export function getSessionsDocs(withBot: boolean): OperationDocs {
  return {
    parameters: [
      ...(withBot ? [BOT_ID] : []),
      query(
        'containmentType',
        { type: 'string', enum: [...CONTAINMENT_TYPES] },
        'only sessions of this containment (ignored with sessionId)',
      ),
    ],
    requestBody: jsonBody(
      {
        type: 'object',
        properties: {
          dateFrom,
          dateTo,
          skip,
          offset: { type: 'integer', minimum: 0 },
          limit: limit(MAX_SESSIONS_LIMIT),
          userId,
          tags,
          sessionType: { type: 'string', enum: ['interactive', 'non-interactive'] },
          sessionId: {
            ...sessionIds,
            description: `${sessionIds.description}: every other filter is ignored; ids not found come back in invalidSessions`,
          },
        },
      },
      GET_SESSIONS_EXAMPLES,
    ),
  };
}

/**
 * `GET|POST …/getMessages[V2]`: GET takes the fields in the query string (sessionId comma-joined, no tags),
 * POST in the body.
 */
export function getMessagesDocs(withBot: boolean, max: number): (method: string) => OperationDocs {
  const fields: Record<string, Json> = {
    dateFrom,
    dateTo,
    skip,
    offset: { type: 'integer', minimum: 0 },
    limit: limit(max),
    userId,
    channelType,
    forward: { type: 'boolean', default: false, description: 'oldest first' },
  };
  return (method) => {
    const path = withBot ? [BOT_ID] : [];
    if (method === 'GET')
      return {
        parameters: [
          ...path,
          ...Object.entries(fields).map(([name, schema]) =>
            query(
              name,
              schema,
              schema.description as string | undefined,
              (GET_MESSAGES_EXAMPLES.recent.value as Json)[name],
            ),
          ),
          query('sessionId', { type: 'string' }, 'session ids, comma-joined'),
        ],
      };
    return {
      parameters: path,
      requestBody: jsonBody(
        {
          type: 'object',
          properties: {
            ...fields,
            tags,
            sessionId: { ...sessionIds, description: 'session ids (an array, or a comma-joined string)' },
            msgId: { type: 'string', description: 'accepted and ignored' },
            direction: { type: 'string', description: 'accepted and ignored' },
          },
        },
        GET_MESSAGES_EXAMPLES,
      ),
    };
  };
}
