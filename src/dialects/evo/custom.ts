/**
 * Evo Voice's custom routes: `/auth…`, `/sessions…` (seed 003 and the reference) and the two the official
 * CLI calls beyond them, `/calls/active` and `/sessions/{id}/transcript`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { splitSuffix, type Format } from './format.js';
import type { EvoHttp } from './http.js';

type WithId = FastifyRequest<{ Params: { sessionId: string } }>;
const schema = (summary: string) => ({ schema: { tags: ['evo'], summary } });
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
    schema('Log in: userName = clientId, password = clientSecret'),
    handler(ops.Authenticate, { path: provider('credentials') }),
  );
  scope.route({
    method: ['GET', 'POST', 'DELETE'],
    url: '/auth',
    ...schema('Authenticate: POST logs in (provider credentials) or out (logout); GET answers the session'),
    handler: handler(ops.Authenticate),
  });
  scope.route({
    method: ['GET', 'POST'],
    url: '/auth/logout',
    ...schema('End the cookie session'),
    handler: handler(ops.Authenticate, { path: provider('logout') }),
  });
  scope.get('/auth/status', schema('Who is logged in, and their account'), handler(ops.AuthStatus));

  for (const suffix of [null, 'json', 'xml', 'csv'] as const) {
    const ext = suffix ? `.${suffix}` : '';
    const format = () => suffix as Format | null;
    scope.get(`/sessions${ext}`, schema('ListSessions'), handler(ops.ListSessions, { format }));
    scope.get(
      `/sessions/active${ext}`,
      schema('GetActiveSessions: { sessions } of the live sessions'),
      handler(ops.GetActiveSessions, { format }),
    );
    scope.get(
      `/sessions/my${ext}`,
      schema('GetMySessions: { sessions } of the live sessions'),
      handler(ops.GetMySessions, { format }),
    );
  }
  scope.get(
    '/sessions/:sessionId',
    schema('GetSession: one SessionInfo (.json, .xml, .csv or ?format=)'),
    handler(ops.GetSession, { format: suffixOf, path: idOf }),
  );
  scope.patch(
    '/sessions/:sessionId',
    schema('PatchSession: consoleData, callState, holdReason, queueState'),
    handler(ops.PatchSession, { format: suffixOf, path: idOf }),
  );
  scope.delete(
    '/sessions/:sessionId',
    schema('Hang up (ends the session)'),
    handler(ops.EndSession, { path: plainId }),
  );
  scope.post(
    '/sessions/:sessionId/hold',
    schema('HoldSession { callSid, sessionId, reason }'),
    handler(ops.HoldSession, { path: plainId }),
  );
  scope.post(
    '/sessions/:sessionId/redirect',
    schema('RedirectSession: transfer the call { destination, callerId }'),
    handler(ops.RedirectSession, { path: plainId }),
  );
  scope.get(
    '/sessions/:sessionId/transcript',
    schema('The chat messages (includeHistorical, historicalCutOffDate); inferred shape'),
    handler(ops.GetSessionTranscript, { path: plainId }),
  );
  scope.delete(
    '/sessions',
    schema('DeleteSessions: bulk delete sessions created in a time range (Manager role)'),
    handler(ops.DeleteSessions),
  );
  scope.get(
    '/calls/active',
    schema('Live voice calls of the account (accountId); inferred shape { calls }'),
    handler(ops.GetActiveCalls),
  );
}
