/**
 * The operations on one session (GetSession, PatchSession, HoldSession, RedirectSession, hang-up), the bulk
 * delete, and authentication. Every change is a native event through the one intake.
 */
import type { FastifyRequest } from 'fastify';
import { purgeSessions } from '../../retention/purge.js';
import { authenticateResponse, evoRoles } from './auth.js';
import { bad, bool, instant, one, pick, required } from './bind.js';
import { EvoError } from './errors.js';
import { NS } from './format.js';
import { CALL_STATES, HOLD_REASONS, QUEUE_STATES } from './map.js';
import type { EvoResult } from './render.js';
import { sessionResult, type EvoBase, type EvoCall, type EventSpec } from './service.js';

const authResult = (body: Record<string, unknown>): EvoResult => ({
  name: 'AuthenticateResponse',
  body,
  ns: NS.types,
});

export function sessionOperations(base: EvoBase) {
  const { deps, auth, tenantOf, infoOf, loadSession, record } = base;

  /** A session that has not ended; 409 otherwise. */
  const live = async (request: FastifyRequest, sessionId: string) => {
    const session = await loadSession(request, sessionId);
    if (session.ended !== null) throw new EvoError(409, 'Conflict', `Session '${sessionId}' has ended`);
    return session;
  };
  const sessionId = (call: EvoCall) => required(call.fields, 'sessionid', 'SessionId');

  return {
    GetSession: async (call: EvoCall): Promise<EvoResult> => {
      return sessionResult(infoOf(call.request, await loadSession(call.request, sessionId(call))));
    },

    PatchSession: async (call: EvoCall): Promise<EvoResult> => {
      const { request, fields: body } = call;
      const id = sessionId(call);
      const callState = pick(body, 'callstate', 'CallState', CALL_STATES);
      const queueState = pick(body, 'queuestate', 'QueueState', QUEUE_STATES);
      const holdReason = pick(body, 'holdreason', 'HoldReason', HOLD_REASONS);
      const consoleData = one(body, 'consoledata');
      const session = await live(request, id);
      const events: EventSpec[] = [];
      if (consoleData !== undefined)
        events.push({ type: 'callparams.updated', fields: { params: { consoleData } } });
      for (const [field, state] of [
        ['CallState', callState],
        ['QueueState', queueState],
      ] as const) {
        if (state === undefined) continue;
        if (state === 'Hold') {
          if (!session.held) events.push({ type: 'session.held', fields: { reason: holdReason ?? 'None' } });
        } else if (state === 'Connected') {
          if (session.held) events.push({ type: 'session.resumed' });
          else if (session.started === null)
            throw bad(field, 'the session has not been answered; it cannot be set Connected');
        } else if (state === 'Disconnected')
          events.push({ type: 'session.ended', fields: { reason: 'SessionApiCall' } });
        else if (state === 'Queued' && field === 'QueueState') events.push({ type: 'routing.requested' });
        else throw bad(field, `a session cannot be set to ${state}`);
      }
      if (holdReason !== undefined && callState === undefined && queueState === undefined && !session.held) {
        throw bad('HoldReason', 'the session is not on hold');
      }
      const updated = events.length > 0 ? await record(request, session, dedupe(events)) : session;
      return sessionResult(infoOf(request, updated));
    },

    HoldSession: async (call: EvoCall): Promise<EvoResult> => {
      const { request, fields: body } = call;
      const reason = pick(body, 'reason', 'Reason', HOLD_REASONS) ?? 'None';
      const session = await live(request, sessionId(call));
      const updated = session.held
        ? session
        : await record(request, session, [{ type: 'session.held', fields: { reason } }]);
      return sessionResult(infoOf(request, updated));
    },

    RedirectSession: async (call: EvoCall): Promise<EvoResult> => {
      const { request, fields: body } = call;
      const id = sessionId(call);
      const destination = required(body, 'destination', 'Destination', 64);
      const session = await live(request, id);
      const callerId = one(body, 'callerid');
      const updated = await record(request, session, [
        { type: 'routing.forwarded', fields: { phoneNumber: destination } },
        ...(callerId
          ? [{ type: 'session.log', fields: { message: `Redirected to ${destination} as ${callerId}` } }]
          : []),
      ]);
      return sessionResult(infoOf(request, updated));
    },

    /** `DELETE /sessions/{id}?callSid=`: hangs up (204). */
    EndSession: async (call: EvoCall): Promise<EvoResult> => {
      const session = await live(call.request, sessionId(call));
      await record(call.request, session, [{ type: 'session.ended', fields: { reason: 'SessionApiCall' } }]);
      return { name: 'EndSessionResponse', body: undefined };
    },

    /** Removes the sessions created in a time range, their events and file bytes (role admin only). */
    DeleteSessions: async ({ request, fields: q }: EvoCall): Promise<EvoResult> => {
      const accountId = one(q, 'accountid');
      const start = instant(q, 'startdatetime', 'StartDateTime');
      const end = instant(q, 'enddatetime', 'EndDateTime');
      if (start === null) throw bad('StartDateTime', 'is required');
      if (end === null) throw bad('EndDateTime', 'is required');
      if (start > end) throw bad('StartDateTime', 'must not be after EndDateTime');
      const tenantId = tenantOf(request).id;
      const result = (deleted: number): EvoResult => ({ name: 'DeleteSessionsResponse', body: { deleted } });
      if (accountId !== undefined && accountId !== tenantId) return result(0);
      const range = [tenantId, new Date(start).toISOString(), new Date(end).toISOString()];
      const removed = await deps.db.tx(async (tx) => {
        const ids = await tx.query<{ session_id: string }>(
          // Row locks in session id order, as intake takes them (src/events/repository.ts, lockSessionRows).
          `SELECT session_id FROM sessions WHERE tenant_id = $1 AND created >= $2 AND created <= $3
            ORDER BY session_id FOR UPDATE`,
          range,
        );
        const purged = await purgeSessions(
          tx,
          tenantId,
          ids.rows.map((r) => r.session_id),
          'remove',
        );
        return { count: purged.sessions, keys: purged.blobKeys };
      });
      for (const key of removed.keys) await deps.blobs.remove(key);
      return result(removed.count);
    },

    /**
     * ServiceStack's Authenticate: POST logs in (`provider` credentials, the default) or out (`logout`);
     * GET answers the current session (credentials in a URL are refused); DELETE logs out.
     */
    Authenticate: async ({ request, reply, fields }: EvoCall): Promise<EvoResult> => {
      const provider = (
        one(fields, 'provider') ?? (request.method === 'DELETE' ? 'logout' : 'credentials')
      ).toLowerCase();
      if (provider === 'logout') {
        await auth.logout(request, reply);
        return authResult({});
      }
      if (provider !== 'credentials')
        throw bad('provider', `'${provider}' is not supported; use credentials`);
      if (request.method === 'GET') {
        if (one(fields, 'password') !== undefined)
          throw new EvoError(405, 'NotSupported', 'Credentials are sent with POST, never in a URL');
        const principal = await auth.authenticate(request);
        return authResult(authenticateResponse(principal, auth.sessionIdOf(request)));
      }
      // A URL ends up in proxy and access logs: credentials come in the body only, whatever the verb.
      const query = (request.query ?? {}) as Record<string, unknown>;
      if (Object.keys(query).some((name) => name.toLowerCase() === 'password'))
        throw new EvoError(
          400,
          'ArgumentException',
          'Credentials are sent in the request body, never in the URL',
          'password',
        );
      return authResult(
        await auth.login(request, reply, {
          userName: one(fields, 'username'),
          password: one(fields, 'password'),
          remember: bool(fields, 'rememberme'),
        }),
      );
    },

    /** `GET /auth/status`: who is logged in and their account (the CLI reads `accountIds`). */
    AuthStatus: ({ request }: EvoCall): Promise<EvoResult> => {
      const p = request.principal!;
      return Promise.resolve({
        name: 'AuthStatusResponse',
        body: {
          id: p.clientId,
          isAuthenticated: true,
          firstName: p.tenant.name,
          lastName: '',
          name: p.tenant.name,
          emailAddress: null,
          roles: evoRoles(p.role),
          accountIds: [p.tenant.id],
          accountNames: [p.tenant.name],
          avatarUrl: null,
        },
      });
    },
  };
}

/** One hold and one end at most per PATCH, whichever of callState / queueState asked for it. */
function dedupe(events: EventSpec[]) {
  const seen = new Set<string>();
  return events.filter((e) => {
    if (e.type === 'callparams.updated') return true;
    if (seen.has(e.type)) return false;
    seen.add(e.type);
    return true;
  });
}
