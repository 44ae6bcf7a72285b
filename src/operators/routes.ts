/** `GET /v1/operators/timeline`: each operator's state timeline over a range (a day, typically). */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import type { Queryable } from '../db/store.js';
import { literals } from '../domain/events.js';
import { userIdOf } from '../domain/projector.js';
import { parseReportParams } from '../analytics/report.js';
import { AppError, commonErrors, tenantSecurity } from '../http/errors.js';
import {
  mergeSegments,
  OPERATOR_STATES,
  type OperatorState,
  type Segment,
  type StatePoint,
} from './model.js';

/** The longest range one request may ask for. */
const MAX_RANGE_MS = 31 * 86_400_000;

const OperatorRef = Type.Object({
  id: Type.String(),
  userId: Type.Union([Type.Integer(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
});

export interface OperatorTimeline {
  operator: { id: string; userId: number | null; name: string | null };
  segments: { state: OperatorState; reason: string | null; paid: boolean | null; from: string; to: string }[];
}

/**
 * Every operator's segments over [from, to): the state they were in at `from` (their last event before it),
 * each change inside the range, and the current state up to `now`. Per operator through the timeline index.
 */
export async function operatorTimelines(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
  now: number,
  operatorId?: string,
): Promise<OperatorTimeline[]> {
  const rows = await q.query<{
    operator_id: string;
    user_id: number | null;
    name: string | null;
    id: string | null;
    at: Date | null;
    state: OperatorState | null;
    reason: string | null;
    paid: boolean | null;
  }>(
    `SELECT l.operator_id, o.user_id, o.name, e.id, e.at, e.state, e.reason, e.paid
       FROM operator_live l
       LEFT JOIN analytics_operators o ON o.tenant_id = l.tenant_id AND o.operator_id = l.operator_id
       LEFT JOIN LATERAL (
         (SELECT id, at, state, reason, paid FROM operator_events p
           WHERE p.tenant_id = l.tenant_id AND p.operator_id = l.operator_id AND p.at < $2
           ORDER BY p.at DESC, p.id COLLATE "C" DESC LIMIT 1)
         UNION ALL
         (SELECT id, at, state, reason, paid FROM operator_events r
           WHERE r.tenant_id = l.tenant_id AND r.operator_id = l.operator_id AND r.at >= $2 AND r.at < $3)
       ) AS e ON true
      WHERE l.tenant_id = $1 AND ($4::text IS NULL OR l.operator_id = $4)
      ORDER BY l.operator_id, e.at, e.id COLLATE "C"`,
    [tenantId, new Date(from), new Date(to), operatorId ?? null],
  );
  const byOperator = new Map<string, { ref: OperatorTimeline['operator']; points: StatePoint[] }>();
  for (const r of rows.rows) {
    let entry = byOperator.get(r.operator_id);
    if (!entry) {
      entry = {
        ref: {
          id: r.operator_id,
          userId: r.user_id === null ? userIdOf(r.operator_id) : Number(r.user_id),
          name: r.name,
        },
        points: [],
      };
      byOperator.set(r.operator_id, entry);
    }
    if (r.id !== null && r.at !== null && r.state !== null)
      entry.points.push({ id: r.id, at: r.at.getTime(), state: r.state, reason: r.reason, paid: r.paid });
  }
  const end = Math.min(to, now);
  return [...byOperator.values()].map(({ ref, points }) => {
    const segments: Segment[] = [];
    points.forEach((p, i) => {
      const a = Math.max(p.at, from);
      const b = Math.min(points[i + 1]?.at ?? end, end);
      if (b > a) segments.push({ state: p.state, reason: p.reason, paid: p.paid, from: a, to: b });
    });
    return {
      operator: ref,
      segments: mergeSegments(segments).map((s) => ({
        state: s.state,
        reason: s.reason,
        paid: s.paid,
        from: new Date(s.from).toISOString(),
        to: new Date(s.to).toISOString(),
      })),
    };
  });
}

export function operatorRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/v1/operators/timeline',
    {
      schema: {
        tags: ['analytics'],
        summary: 'Each operator’s state timeline over a range (at most 31 days)',
        description:
          'From `operator.state` events: the state at `from`, every change, the current state up to now; consecutive segments of one state (and reason, paid) merged. `from`/`to` as in /v1/analytics/operators. docs/metrics.md.',
        security: tenantSecurity,
        querystring: Type.Object(
          {
            from: Type.String({ examples: ['2026-03-29'] }),
            to: Type.String({ examples: ['2026-03-30'] }),
            timeZone: Type.String({ examples: ['Europe/Prague'] }),
            operator: Type.Optional(
              Type.String({ minLength: 1, maxLength: 128, description: 'only this operator' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            from: Type.String(),
            to: Type.String(),
            operators: Type.Array(
              Type.Object({
                operator: OperatorRef,
                segments: Type.Array(
                  Type.Object({
                    state: literals(OPERATOR_STATES),
                    reason: Type.Union([Type.String(), Type.Null()]),
                    paid: Type.Union([Type.Boolean(), Type.Null()]),
                    from: Type.String({ format: 'date-time' }),
                    to: Type.String({ format: 'date-time' }),
                  }),
                ),
              }),
            ),
          }),
          ...commonErrors,
        },
      },
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request) => {
      const { from, to, timeZone, operator } = request.query;
      const p = parseReportParams({ from, to, timeZone, interval: 'ALL' });
      if (p.to - p.from > MAX_RANGE_MS) {
        throw new AppError('validation_failed', 'to: the range is at most 31 days', [
          { field: 'to', message: 'the range is at most 31 days' },
        ]);
      }
      return {
        from: new Date(p.from).toISOString(),
        to: new Date(p.to).toISOString(),
        operators: await operatorTimelines(
          deps.db,
          request.principal!.tenant.id,
          p.from,
          p.to,
          deps.now(),
          operator,
        ),
      };
    },
  );
}
