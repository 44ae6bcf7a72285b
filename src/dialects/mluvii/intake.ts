/**
 * Webhooks in: mluvii's webhook payloads (`{ eventType, data }`) turned into native events, so a mluvii
 * department can mirror its sessions into Switchboard. The mirrored session's id is `mluvii-<id>`.
 *
 * Each event id is derived from the payload itself, so a payload delivered twice is a harmless duplicate.
 * mluvii's payloads are thin (no operator on SessionStarted, no routing history), so the mirror has what
 * they carry: lifecycle times, operators, forwards, messages and files.
 */
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app.js';
import { canonicalJson } from '../../domain/canonical.js';
import { AppError, ErrorBody, tenantSecurity } from '../../http/errors.js';

export interface MluviiPayload {
  eventType: string;
  data: Record<string, unknown>;
}

const CHANNELS: Record<string, string> = { chat: 'chat', av: 'av', phone: 'phone' };

/** The operator who started a session when mluvii's SessionStarted does not name one. */
export const UNKNOWN_OPERATOR = { id: '0', userName: 'mluvii' };

/** A scalar payload value as text; objects and absent values are null. */
const scalar = (value: unknown): string | null =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : null;

const instant = (value: unknown, fallback: string): string =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(value).toISOString() : fallback;

/**
 * mluvii's `UserStatusChanged` (`status` UNKNOWN|OFFLINE|ONLINE|BUSY|AWAY, `availabilityStatus`
 * UNKNOWN|DEFAULT|AWAY|ON_CALL, `availabilityStatusReason`) as an OperatorStateKind (docs/mluvii.md):
 * OFFLINE → OFFLINE; AWAY → AWAY; ONLINE/BUSY with availability ON_CALL → ON_CALL; ONLINE/BUSY with
 * availability AWAY → BREAK when a reason names it (the reason kept), else AWAY; BUSY otherwise → ON_CALL;
 * ONLINE otherwise → ONLINE; anything else → UNKNOWN.
 */
export function operatorStateOf(
  status: string,
  availability: string | null,
  reason: string | null,
): { state: string; reason?: string } {
  const s = status.toUpperCase();
  const a = (availability ?? '').toUpperCase();
  if (s === 'OFFLINE') return { state: 'OFFLINE' };
  if (s === 'AWAY') return { state: 'AWAY', ...(reason ? { reason } : {}) };
  if (s === 'ONLINE' || s === 'BUSY') {
    if (a === 'ON_CALL') return { state: 'ON_CALL' };
    if (a === 'AWAY') return reason ? { state: 'BREAK', reason } : { state: 'AWAY' };
    return { state: s === 'BUSY' ? 'ON_CALL' : 'ONLINE' };
  }
  return { state: 'UNKNOWN' };
}

/**
 * An `operator.state` event for a `UserStatusChanged` payload; none without a `status`. mluvii's payload has
 * no time of its own: unless it carries one (`changed`, `time`), it is dated when received, and the id
 * includes that time, because two identical payloads are two changes (ONLINE, AWAY, ONLINE again).
 */
function userStatusEvents(data: Record<string, unknown>, receivedAt: string): Record<string, unknown>[] {
  const userId = scalar(data.userId);
  if (userId === null || !/^[A-Za-z0-9._:-]{1,100}$/.test(userId)) {
    throw new AppError('validation_failed', 'UserStatusChanged: data.userId is required', [
      { field: 'data.userId', message: 'is required' },
    ]);
  }
  if (typeof data.status !== 'string') return [];
  const own = [data.changed, data.time].find((t) => typeof t === 'string' && !Number.isNaN(Date.parse(t)));
  const at = instant(own, receivedAt);
  const hash = createHash('sha256')
    .update(canonicalJson({ eventType: 'UserStatusChanged', data, at: own === undefined ? at : null }))
    .digest('hex')
    .slice(0, 24);
  const reason = scalar(data.availabilityStatusReason);
  return [
    {
      id: `mluvii-${hash}-0`,
      type: 'operator.state',
      at,
      operator: { id: userId },
      ...operatorStateOf(data.status, scalar(data.availabilityStatus), reason ? reason.slice(0, 200) : null),
    },
  ];
}

/** Native events for one payload; `[]` for an event type that has nothing to mirror. */
export function nativeEvents(payload: MluviiPayload, receivedAt: string): Record<string, unknown>[] {
  const { eventType, data } = payload;
  if (eventType === 'UserStatusChanged') return userStatusEvents(data, receivedAt);
  const mluviiId = scalar(data.id ?? data.sessionId);
  if (mluviiId === null || !/^[A-Za-z0-9._:-]{1,100}$/.test(mluviiId)) {
    throw new AppError('validation_failed', `${eventType}: data.id is required`, [
      { field: 'data.id', message: 'is required' },
    ]);
  }
  const sessionId = `mluvii-${mluviiId}`;
  const hash = createHash('sha256').update(canonicalJson(payload)).digest('hex').slice(0, 24);
  const event = (type: string, at: unknown, fields: Record<string, unknown> = {}, n = 0) => ({
    id: `mluvii-${hash}-${n}`,
    sessionId,
    type,
    at: instant(at, receivedAt),
    ...fields,
  });
  const userId = scalar(data.userId);
  const operator = () => (userId === null ? UNKNOWN_OPERATOR : { id: userId });
  switch (eventType) {
    case 'SessionCreated':
      return [
        event('session.created', data.created, {
          channel: CHANNELS[String(data.channel).toLowerCase()] ?? 'chat',
          ...(typeof data.source === 'string' ? { source: data.source } : {}),
        }),
      ];
    case 'SessionStarted':
      return [event('routing.accepted', data.started, { operator: operator() })];
    case 'SessionEnded':
      return [event('session.ended', data.ended)];
    case 'SessionForwarded': {
      const chatbotId = scalar(data.chatbotId);
      if (chatbotId !== null && /^\d+$/.test(chatbotId)) {
        return [event('bot.joined', data.time, { bot: { botId: chatbotId, chatbotId: Number(chatbotId) } })];
      }
      const group = typeof data.operatorGroupId === 'number' ? { group: { id: data.operatorGroupId } } : {};
      if (userId === null && !('group' in group))
        return [event('session.log', data.time, { message: 'Forwarded' })];
      return [
        event('routing.forwarded', data.time, {
          ...(userId !== null ? { operator: operator() } : {}),
          ...group,
        }),
      ];
    }
    case 'SessionOperatorJoined':
      return [event('operator.joined', data.time, { operator: operator() })];
    case 'SessionOperatorLeft':
      return [event('operator.left', data.time, { operator: operator() })];
    case 'SessionOperatorConcluded':
      return [event('operator.concluded', data.time, { operator: operator() })];
    default:
      break;
  }
  if (!eventType.startsWith('SessionActivity')) return [];
  const client = scalar(data.client) ?? '';
  const from = client === 'Guest' ? 'guest' : client === 'Chatbot' ? 'bot' : 'operator';
  const type = scalar(data.type) ?? eventType.slice('SessionActivity'.length);
  const file = data.file as { id?: unknown; name?: unknown } | null | undefined;
  const fileId = scalar(file?.id);
  if (type === 'SharedFile' && fileId !== null) {
    return [
      event('file.shared', data.time, {
        from,
        file: { id: fileId, name: typeof file?.name === 'string' && file.name ? file.name : fileId },
      }),
    ];
  }
  if (type === 'ChatMessage' || type === 'ChatbotMessage') {
    return [
      event('message', data.time, {
        from: type === 'ChatbotMessage' ? 'bot' : from,
        text: typeof data.text === 'string' ? data.text : '',
        ...(from === 'operator' && userId !== null ? { operator: operator() } : {}),
      }),
    ];
  }
  return [
    event('session.log', data.time, {
      message: `${type}${typeof data.text === 'string' && data.text ? `: ${data.text}` : ''}`,
    }),
  ];
}

function payloads(body: unknown): MluviiPayload[] {
  const list = Array.isArray(body) ? body : [body];
  if (list.length === 0 || list.length > 1000) {
    throw new AppError('bad_request', 'send one mluvii webhook payload, or an array of 1 to 1000');
  }
  return list.map((item, index) => {
    const p = item as Partial<MluviiPayload> | null;
    if (
      !p ||
      typeof p !== 'object' ||
      typeof p.eventType !== 'string' ||
      !p.data ||
      typeof p.data !== 'object'
    ) {
      throw new AppError('validation_failed', `payload ${index} is not { eventType, data }`, [
        { index, field: 'eventType', message: 'a payload is { "eventType": string, "data": object }' },
      ]);
    }
    return p as MluviiPayload;
  });
}

const PAYLOAD = {
  type: 'object',
  required: ['eventType', 'data'],
  properties: { eventType: { type: 'string' }, data: { type: 'object', additionalProperties: true } },
};

/** One mluvii webhook payload, or an array of 1 to 1000, with a session from creation to end as the example. */
const INTAKE_BODY = {
  required: true,
  content: {
    'application/json': {
      schema: { oneOf: [PAYLOAD, { type: 'array', minItems: 1, maxItems: 1000, items: PAYLOAD }] },
      example: [
        {
          eventType: 'SessionCreated',
          data: { id: 9120731, tenantId: 5, channel: 'Chat', source: 'Default' },
        },
        {
          eventType: 'SessionStarted',
          data: {
            id: 9120731,
            tenantId: 5,
            channel: 'Chat',
            source: 'Default',
            started: '2026-03-30T09:14:41Z',
          },
        },
        {
          eventType: 'SessionEnded',
          data: { id: 9120731, tenantId: 5, started: '2026-03-30T09:14:41Z', ended: '2026-03-30T09:21:07Z' },
        },
      ],
    },
  },
};

export function mluviiIntakeRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.post(
    '/v1/intake/mluvii',
    {
      schema: {
        tags: ['events'],
        summary: 'Mirror a mluvii department: accepts mluvii webhook payloads',
        description:
          'Point a mluvii webhook at this URL with credentials in it (https://clientId:secret@host/v1/intake/mluvii). Payloads become native events of session `mluvii-<id>`; a payload delivered twice is a duplicate; event types with nothing to mirror are counted as ignored.',
        security: tenantSecurity,
        response: {
          200: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer(), ignored: Type.Integer() }),
          400: ErrorBody,
          401: ErrorBody,
        },
      },
      // The payloads are checked by `payloads` (400 naming the index): documentation only.
      config: { openapi: { requestBody: INTAKE_BODY } },
      // Credentials before the body is read.
      onRequest: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const receivedAt = new Date(deps.now()).toISOString();
      const list = payloads(request.body);
      const events = list.flatMap((p) => nativeEvents(p, receivedAt));
      const ignored = list.length - new Set(events.map((e) => String(e.id).replace(/-\d+$/, ''))).size;
      if (events.length === 0) return { accepted: 0, duplicates: 0, ignored };
      // A resent payload without its own timestamps gets a new receive time: same id, other content. It is
      // the same payload, so the service counts it a duplicate, under the batch's locks however copies race.
      const result = await deps.ingest(request.principal!.tenant.id, events, { idsFromContent: true });
      deps.onSessionsChanged?.(request.principal!.tenant.id, result.sessions);
      return { accepted: result.accepted, duplicates: result.duplicates, ignored };
    },
  );
}
