/**
 * Evo Voice's custom routes: `/auth…`, `/sessions…` (seed 003 and the reference) and the two the official
 * CLI calls beyond them, `/calls/active` and `/sessions/{id}/transcript`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { splitSuffix, type Format } from './format.js';
import type { EvoHttp } from './http.js';
import { EVO_DOCS } from './docs.js';
import type { OperationDocs } from '../../http/openapi.js';

type WithId = FastifyRequest<{ Params: { sessionId: string } }>;
/**
 * A route's summary, and its fields for /docs in `config.openapi`: never in `schema`, where Fastify would
 * validate them; ServiceStack's binding (./bind.ts) reads them case-insensitively from query and body.
 */
const schema = (summary: string, openapi: OperationDocs | ((method: string) => OperationDocs)) => ({
  schema: { tags: ['evo'], summary },
  config: { openapi },
});
/** `/sessions/{id}.xml`: the id without its suffix, and the suffix as the format. */
const idOf = (request: FastifyRequest) => ({
  sessionId: splitSuffix((request as WithId).params.sessionId).id,
});
const suffixOf = (request: FastifyRequest) => splitSuffix((request as WithId).params.sessionId).suffix;
const plainId = (request: FastifyRequest) => ({ sessionId: (request as WithId).params.sessionId });

export function customRoutes(scope: FastifyInstance, http: EvoHttp): void {
  const { ops, handler } = http;
  const provider = (name: string) => () => ({ provider: name });

  scope.post(
    '/auth/credentials',
    schema('Log in: userName = clientId, password = clientSecret', EVO_DOCS.login),
    handler(ops.Authenticate, { path: provider('credentials') }),
  );
  scope.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/auth',
    ...schema(
      'Authenticate: POST logs in (provider credentials) or out (logout); GET answers the session',
      EVO_DOCS.auth,
    ),
    handler: handler(ops.Authenticate),
  });
  scope.route({
    method: ['GET', 'POST'],
    url: '/auth/logout',
    ...schema('End the cookie session', EVO_DOCS.logout),
    handler: handler(ops.Authenticate, { path: provider('logout') }),
  });
  scope.get(
    '/auth/status',
    schema('Who is logged in, and their account', EVO_DOCS.status),
    handler(ops.AuthStatus),
  );

  for (const suffix of [null, 'json', 'xml', 'csv'] as const) {
    const ext = suffix ? `.${suffix}` : '';
    const format = () => suffix as Format | null;
    scope.get(
      `/sessions${ext}`,
      schema('ListSessions', EVO_DOCS.list(suffix)),
      handler(ops.ListSessions, { format }),
    );
    scope.get(
      `/sessions/active${ext}`,
      schema('GetActiveSessions: { sessions } of the live sessions', EVO_DOCS.live(suffix)),
      handler(ops.GetActiveSessions, { format }),
    );
    scope.get(
      `/sessions/my${ext}`,
      schema('GetMySessions: { sessions } of the live sessions', EVO_DOCS.live(suffix)),
      handler(ops.GetMySessions, { format }),
    );
  }
  scope.get(
    '/sessions/:sessionId',
    schema('GetSession: one SessionInfo (.json, .xml, .csv or ?format=)', EVO_DOCS.get),
    handler(ops.GetSession, { format: suffixOf, path: idOf }),
  );
  scope.patch(
    '/sessions/:sessionId',
    schema('PatchSession: consoleData, callState, holdReason, queueState', EVO_DOCS.patch),
    handler(ops.PatchSession, { format: suffixOf, path: idOf }),
  );
  scope.delete(
    '/sessions/:sessionId',
    schema('Hang up (ends the session)', EVO_DOCS.hangUp),
    handler(ops.EndSession, { path: plainId }),
  );
  scope.post(
    '/sessions/:sessionId/hold',
    schema('HoldSession { callSid, sessionId, reason }', EVO_DOCS.hold),
    handler(ops.HoldSession, { path: plainId }),
  );
  scope.post(
    '/sessions/:sessionId/redirect',
    schema('RedirectSession: transfer the call { destination, callerId }', EVO_DOCS.redirect),
    handler(ops.RedirectSession, { path: plainId }),
  );
  scope.get(
    '/sessions/:sessionId/transcript',
    schema(
      'The chat messages (includeHistorical, historicalCutOffDate); inferred shape',
      EVO_DOCS.transcript,
    ),
    handler(ops.GetSessionTranscript, { path: plainId }),
  );
  scope.delete(
    '/sessions',
    schema(
      'DeleteSessions: bulk delete sessions created in a time range (Manager role)',
      EVO_DOCS.deleteRange,
    ),
    handler(ops.DeleteSessions),
  );
  scope.get(
    '/calls/active',
    schema('Live voice calls of the account (accountId); inferred shape { calls }', EVO_DOCS.calls),
    handler(ops.GetActiveCalls),
  );
}
