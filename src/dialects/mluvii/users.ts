/**
 * mluvii's users: `UserModel` of an operator and their `OperatorStateModel` history, read from the operator
 * state Switchboard keeps (src/operators: `analytics_operators` for who an operator is, `operator_events` for
 * their states, `operator_live` for the newest). An operator is a mluvii user once Switchboard has seen them:
 * in a session or in an `operator.state` event. What each field holds: docs/mluvii.md, "Users".
 */
import { Type } from '@sinclair/typebox';
import type { Queryable } from '../../db/store.js';
import { literals } from '../../domain/events.js';
import { AppError } from '../../http/errors.js';
import { OPERATOR_STATES, type OperatorState } from '../../operators/model.js';
import { range } from './filters.js';
import { isoOffset } from './format.js';
import { invalid, parseListQuery, type ListSpec, type RawQuery } from './query.js';

const MAX_INT32 = 2_147_483_647;
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** mluvii's `PublicApi.User.Models.UserModel` (swagger 2.30). */
export const UserModel = Type.Object(
  {
    id: Type.Integer({ format: 'int32', description: "the operator's mluvii userId" }),
    firstName: NullableString,
    lastName: NullableString,
    username: NullableString,
    email: Type.Union([Type.String(), Type.Null()], {
      description: 'always null: no event tells Switchboard an operator’s e-mail',
    }),
  },
  { title: 'UserModel' },
);

/** mluvii's OperatorStateModel. */
export const OperatorStateModel = Type.Object(
  {
    userId: Type.Integer({ format: 'int32' }),
    stateKind: literals(OPERATOR_STATES, { description: 'OperatorStateKind' }),
    breakStateId: Type.Union([Type.Integer({ format: 'int32' }), Type.Null()], {
      description: 'always null: Switchboard has no catalogue of break states',
    }),
    breakStateName: Type.Union([Type.String(), Type.Null()], { description: 'a BREAK’s reason' }),
    isBreakStatePaid: Type.Union([Type.Boolean(), Type.Null()], { description: 'a BREAK’s paid flag' }),
    note: Type.Union([Type.String(), Type.Null()], { description: 'the reason of any other state' }),
    changed: Type.String({ format: 'date-time' }),
    forced: Type.Boolean({ description: 'always false: Switchboard is never told a change was forced' }),
  },
  { title: 'OperatorStateModel' },
);

/** The paged answer of `GET /api/v1/Users/{userId}/operatorStates`. */
export const OperatorStatesPage = Type.Object(
  {
    lastModified: Type.String({
      format: 'date-time',
      description: "when the user's newest state began (the time of the answer when they have none)",
    }),
    limit: Type.Integer({ format: 'int32' }),
    page: Type.Integer({ format: 'int32', description: '1-based' }),
    totalCount: Type.Integer({ format: 'int32', description: 'states in the window, over all pages' }),
    data: Type.Array(OperatorStateModel),
  },
  { title: 'OperatorStatesPage' },
);

/** A user id from the path: an int32, else a 400 naming the parameter (ASP.NET's model binding). */
export function userIdParam(text: string, name: string): number {
  if (!/^[+-]?\d{1,10}$/.test(text) || Math.abs(Number(text)) > MAX_INT32) {
    throw invalid(name, `The value '${text}' is not valid: a user id is a 32-bit integer.`);
  }
  return Number(text);
}

/** Who a userId is: every operator id with that userId (one, unless two ids share it) and their names. */
interface OperatorUser {
  userId: number;
  operatorIds: string[];
  firstName: string | null;
  lastName: string | null;
  userName: string | null;
}

async function findUser(q: Queryable, tenantId: string, userId: number): Promise<OperatorUser> {
  const result = await q.query<{
    operator_id: string;
    first_name: string | null;
    last_name: string | null;
    user_name: string | null;
  }>(
    `SELECT operator_id, first_name, last_name, user_name FROM analytics_operators
      WHERE tenant_id = $1 AND user_id = $2 ORDER BY operator_id COLLATE "C"`,
    [tenantId, userId],
  );
  if (result.rows.length === 0) throw new AppError('not_found', `user ${userId} not found`);
  // Two operator ids with one userId ("7" and "007"): the names of the first one that has any.
  const named =
    result.rows.find((r) => r.first_name !== null || r.last_name !== null || r.user_name !== null) ??
    result.rows[0];
  return {
    userId,
    operatorIds: result.rows.map((r) => r.operator_id),
    firstName: named.first_name,
    lastName: named.last_name,
    userName: named.user_name,
  };
}

/** `GET /api/v1/Users/{id}`. The e-mail is null: no event carries an operator's e-mail. */
export async function userModel(q: Queryable, tenantId: string, userId: number) {
  const user = await findUser(q, tenantId, userId);
  return {
    id: user.userId,
    firstName: user.firstName,
    lastName: user.lastName,
    username: user.userName,
    email: null,
  };
}

/** The states list: `Changed.Min` / `Changed.Max` (inclusive), `limit`, `page`; nothing else. */
export const STATES_LIST: ListSpec = {
  filters: [range('Changed', 'date', () => 'at', false)],
  noun: 'a parameter of operatorStates (Changed.Min, Changed.Max, limit, page)',
  paging: 'page',
};

interface StateRow {
  at: Date;
  state: OperatorState;
  reason: string | null;
  paid: boolean | null;
}

/** One state event as mluvii's OperatorStateModel. */
export function operatorStateModel(userId: number, row: StateRow) {
  const isBreak = row.state === 'BREAK';
  return {
    userId,
    stateKind: row.state,
    breakStateId: null,
    breakStateName: isBreak ? row.reason : null,
    isBreakStatePaid: isBreak ? row.paid : null,
    note: isBreak ? null : row.reason,
    changed: isoOffset(row.at.getTime()),
    forced: false,
  };
}

/**
 * `GET /api/v1/Users/{userId}/operatorStates`: the user's `operator.state` events, newest first (the
 * timeline order reversed: `at`, then event id), one page of them. Each of the user's operator ids (one,
 * unless two share the userId) is read backwards along the (tenant, operator, at, id) index for at most
 * offset + limit rows; `totalCount` counts the window on the same index. The query is checked before the
 * user is looked up, so a bad query is a 400 for any user, as ASP.NET binds parameters first.
 */
export async function operatorStates(
  q: Queryable,
  tenant: { id: string; departmentId: number },
  userId: number,
  raw: RawQuery,
  now: number,
) {
  // `o.id`: one of the user's operator ids ($2, known after the look-up); the filters' parameters follow.
  const base = { where: ['tenant_id = $1', 'operator_id = o.id'], params: [tenant.id, null] };
  const query = parseListQuery(raw, STATES_LIST, tenant, now, base);
  const user = await findUser(q, tenant.id, userId);
  const params = [tenant.id, user.operatorIds, ...query.params.slice(2)];
  const where = query.where.join(' AND ');
  const n = params.length;
  const [page, count, newest] = await Promise.all([
    q.query<StateRow>(
      `SELECT e.at, e.state, e.reason, e.paid
         FROM unnest($2::text[]) AS o(id), LATERAL (
              SELECT at, id, state, reason, paid FROM operator_events WHERE ${where}
               ORDER BY at DESC, id COLLATE "C" DESC LIMIT $${n + 1}) AS e
        ORDER BY e.at DESC, e.id COLLATE "C" DESC LIMIT $${n + 2} OFFSET $${n + 3}`,
      [...params, query.offset + query.limit, query.limit, query.offset],
    ),
    q.query<{ n: string }>(
      `SELECT COALESCE(sum(c.n), 0) AS n
         FROM unnest($2::text[]) AS o(id), LATERAL (SELECT count(*) AS n FROM operator_events WHERE ${where}) AS c`,
      params,
    ),
    q.query<{ at: Date | null }>(
      'SELECT max(last_at) AS at FROM operator_live WHERE tenant_id = $1 AND operator_id = ANY($2::text[])',
      [tenant.id, user.operatorIds],
    ),
  ]);
  return {
    lastModified: isoOffset(newest.rows[0]?.at?.getTime() ?? now),
    limit: query.limit,
    page: query.page,
    totalCount: Math.min(Number(count.rows[0].n), MAX_INT32),
    data: page.rows.map((row) => operatorStateModel(userId, row)),
  };
}
