/** `GET /v1/analytics/queues` (docs/metrics.md): JSON, or CSV with `Accept: text/csv`. */
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { stringify } from 'csv-stringify/sync';
import type { AppDeps } from '../app.js';
import { commonErrors, tenantSecurity } from '../http/errors.js';
import { INTERVALS } from './intervals.js';
import { OPERATOR_STATES } from '../operators/model.js';
import { botReport, operatorReport, parseReportParams, queueReport, type QueueRow } from './report.js';

const Metric = Type.Object({
  sum: Type.Integer(),
  count: Type.Integer(),
  max: Type.Union([Type.Integer(), Type.Null()]),
});
const QueueRowSchema = Type.Object({
  start: Type.String({ description: 'RFC 3339 with the zone’s offset at that instant' }),
  end: Type.String(),
  queue: Type.Object({ id: Type.Integer(), name: Type.Union([Type.String(), Type.Null()]) }),
  offered: Type.Integer(),
  answered: Type.Integer(),
  abandoned: Type.Integer(),
  shortAbandoned: Type.Integer(),
  answeredWithinSl: Type.Integer(),
  slCounted: Type.Integer(),
  serviceLevel: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
  waitMs: Metric,
  talkMs: Metric,
  holdMs: Metric,
  acwMs: Metric,
  handleMs: Metric,
  transferred: Type.Integer(),
  operatorTimeouts: Type.Integer(),
});
const Query = Type.Object(
  {
    from: Type.String({
      description: 'YYYY-MM-DD (midnight in timeZone) or an RFC 3339 instant',
      examples: ['2026-03-29'],
    }),
    to: Type.String({ description: 'exclusive; as from', examples: ['2026-03-30'] }),
    timeZone: Type.String({
      description: 'IANA zone name; offsets are refused',
      examples: ['Europe/Prague'],
    }),
    interval: Type.Optional(
      Type.Union(
        INTERVALS.map((i) => Type.Literal(i)),
        { default: 'PT1H' },
      ),
    ),
    groups: Type.Optional(Type.String({ description: 'comma-separated queue (group) ids' })),
    channels: Type.Optional(Type.String({ description: 'comma-separated: chat, av, phone, fax' })),
    hours: Type.Optional(
      Type.String({
        description:
          'business hours, local time in timeZone, end exclusive, on the 15-minute grid: only the quarter hours starting inside count (queue report only)',
        examples: ['08:00-18:00'],
      }),
    ),
    weekdays: Type.Optional(
      Type.String({
        description:
          'business days, comma-separated ISO weekdays 1 (Monday) … 7 (Sunday); default all (queue report only)',
        examples: ['1,2,3,4,5'],
      }),
    ),
  },
  { additionalProperties: false },
);

const CSV_COLUMNS = [
  'start',
  'end',
  'queueId',
  'queueName',
  'offered',
  'answered',
  'abandoned',
  'shortAbandoned',
  'answeredWithinSl',
  'slCounted',
  'serviceLevel',
  ...['waitMs', 'talkMs', 'holdMs', 'acwMs', 'handleMs'].flatMap((m) => [`${m}Sum`, `${m}Count`, `${m}Max`]),
  'transferred',
  'operatorTimeouts',
];

function csvRecord(r: QueueRow): unknown[] {
  const m = (x: { sum: number; count: number; max: number | null }) => [x.sum, x.count, x.max];
  return [
    r.start,
    r.end,
    r.queue.id,
    r.queue.name,
    r.offered,
    r.answered,
    r.abandoned,
    r.shortAbandoned,
    r.answeredWithinSl,
    r.slCounted,
    r.serviceLevel,
    ...m(r.waitMs),
    ...m(r.talkMs),
    ...m(r.holdMs),
    ...m(r.acwMs),
    ...m(r.handleMs),
    r.transferred,
    r.operatorTimeouts,
  ];
}

export function analyticsRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  fastify.get<{ Querystring: Record<string, string | undefined> }>(
    '/v1/analytics/queues',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Queue metrics per interval in any IANA time zone, from the 15-minute rollups',
        description:
          'One row per interval × queue, zero-filled, ordered by start then queue id. Counts and sums (with max) so any roll-up is exact; serviceLevel = answeredWithinSl / (answered + abandoned − shortAbandoned). `Accept: text/csv` gives the same rows. Formulas: docs/metrics.md.',
        security: tenantSecurity,
        querystring: Query,
        response: {
          200: Type.Object({
            timeZone: Type.String(),
            interval: Type.String(),
            rows: Type.Array(QueueRowSchema),
          }),
          ...commonErrors,
        },
      },
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request, reply) => {
      const params = parseReportParams(request.query);
      const report = await queueReport(deps.db, request.principal!.tenant.id, params);
      if (/\btext\/csv\b/i.test(request.headers.accept ?? '')) {
        return reply
          .type('text/csv; charset=utf-8')
          .send(stringify(report.rows.map(csvRecord), { header: true, columns: CSV_COLUMNS }));
      }
      return report;
    },
  );
}

/** `{ operator: { id }, talkMs: { sum } }` → `{ operatorId, talkMsSum }`: one CSV column per leaf. */
function flatten(row: object, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    const name =
      !prefix || key.toLowerCase().startsWith(prefix.toLowerCase())
        ? key
        : `${prefix}${key[0].toUpperCase()}${key.slice(1)}`;
    if (value !== null && typeof value === 'object') Object.assign(out, flatten(value as object, name));
    else out[name] = value;
  }
  return out;
}

const OperatorRowSchema = Type.Object({
  start: Type.String(),
  end: Type.String(),
  operator: Type.Object({
    id: Type.String(),
    userId: Type.Union([Type.Integer(), Type.Null()]),
    name: Type.Union([Type.String(), Type.Null()]),
  }),
  handled: Type.Integer({ description: 'sessions this operator accepted' }),
  talkMs: Metric,
  acwMs: Metric,
  handleMs: Metric,
  missedOffers: Type.Integer({ description: 'offers to this operator that timed out' }),
  stateMs: Type.Object(Object.fromEntries(OPERATOR_STATES.map((s) => [s, Type.Integer()])), {
    description: 'ms in each OperatorStateKind (operator.state events), the current state up to now',
  }),
  loggedInMs: Type.Integer({ description: 'every state but UNKNOWN, OFFLINE, DISCONNECTED' }),
  availableMs: Type.Integer({ description: 'ONLINE' }),
  awayMs: Type.Integer(),
  breakMs: Type.Integer(),
  breakPaidMs: Type.Integer(),
  breakUnpaidMs: Type.Integer({ description: 'breaks not marked paid' }),
  handlingMs: Type.Integer({ description: 'BEFORE_CALL + ON_CALL + AFTER_CALL' }),
  occupancy: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
    description: 'handlingMs / (handlingMs + availableMs)',
  }),
});
const BotRowSchema = Type.Object({
  start: Type.String(),
  end: Type.String(),
  bot: Type.Object({ botId: Type.String() }),
  sessions: Type.Integer(),
  selfService: Type.Integer(),
  dropOff: Type.Integer(),
  agent: Type.Integer(),
});
const OPERATOR_CSV = [
  'start',
  'end',
  'operatorId',
  'operatorUserId',
  'operatorName',
  'handled',
  ...['talkMs', 'acwMs', 'handleMs'].flatMap((m) => [`${m}Sum`, `${m}Count`, `${m}Max`]),
  'missedOffers',
  ...OPERATOR_STATES.map((s) => `stateMs${s}`),
  'loggedInMs',
  'availableMs',
  'awayMs',
  'breakMs',
  'breakPaidMs',
  'breakUnpaidMs',
  'handlingMs',
  'occupancy',
];
const BOT_CSV = ['start', 'end', 'botId', 'sessions', 'selfService', 'dropOff', 'agent'];

export function dimensionRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  for (const [path, run, schema, columns, summary] of [
    [
      '/v1/analytics/operators',
      operatorReport,
      OperatorRowSchema,
      OPERATOR_CSV,
      'Operator metrics per interval: handled, talk, ACW, handle time, missed offers',
    ],
    [
      '/v1/analytics/bots',
      botReport,
      BotRowSchema,
      BOT_CSV,
      'Bot containment per interval: sessions, self-service, drop-off, handed to an agent',
    ],
  ] as const) {
    fastify.get<{ Querystring: Record<string, string | undefined> }>(
      path,
      {
        schema: {
          tags: ['analytics'],
          summary,
          description:
            'The parameters of /v1/analytics/queues (`groups` filters the queue report only). One row per interval × key, zero-filled. Definitions: docs/metrics.md.',
          security: tenantSecurity,
          querystring: Query,
          response: {
            200: Type.Object({ timeZone: Type.String(), interval: Type.String(), rows: Type.Array(schema) }),
            ...commonErrors,
          },
        },
        preValidation: async (request) => {
          await deps.authenticate(request);
        },
      },
      async (request, reply) => {
        const report = await run(
          deps.db,
          request.principal!.tenant.id,
          parseReportParams(request.query),
          deps.now(),
        );
        if (/\btext\/csv\b/i.test(request.headers.accept ?? '')) {
          return reply.type('text/csv; charset=utf-8').send(
            stringify(
              report.rows.map((r) => flatten(r)),
              { header: true, columns: [...columns] },
            ),
          );
        }
        return report;
      },
    );
  }
}
