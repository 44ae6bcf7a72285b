/**
 * What Evo Voice's operations share. Each operation is a function of a bound request (`EvoCall`) answering
 * an `EvoResult`; the custom routes (`/sessions/…`) and ServiceStack's predefined routes
 * (`/api/{Operation}`, `/{format}/reply/{Operation}`) call the very same functions.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import type { Session } from '../../domain/session.js';
import { serverEvent } from '../../sessions/operations.js';
import type { EvoAuth } from './auth.js';
import type { Fields } from './bind.js';
import { EvoError } from './errors.js';
import { listXml, sessionInfoXml, type ListPage } from './format.js';
import { sessionInfo, type SessionInfo } from './map.js';
import type { EvoResult } from './render.js';

export interface EvoCall {
  request: FastifyRequest;
  reply: FastifyReply;
  fields: Fields;
}

export type EvoOperation = (call: EvoCall) => Promise<EvoResult>;

export interface EventSpec {
  type: string;
  fields?: Record<string, unknown>;
}

/** What every operation needs: the caller's tenant, session loading and mapping, and event recording. */
export function evoBase(deps: AppDeps, auth: EvoAuth) {
  const tenantOf = (request: FastifyRequest) => request.principal!.tenant;
  const infoOf = (request: FastifyRequest, doc: Session) =>
    sessionInfo(doc, { accountId: tenantOf(request).id, accountName: tenantOf(request).name });

  async function loadSession(request: FastifyRequest, sessionId: string): Promise<Session> {
    const row = (
      await deps.db.query<{ doc: Session }>(
        'SELECT doc FROM sessions WHERE tenant_id = $1 AND session_id = $2',
        [tenantOf(request).id, sessionId],
      )
    ).rows[0];
    if (!row) throw new EvoError(404, 'NotFound', `Session '${sessionId}' not found`);
    return row.doc;
  }

  /** Stores the events through the one intake and answers the re-projected session. */
  async function record(request: FastifyRequest, session: Session, events: EventSpec[]) {
    const base = deps.now();
    await deps.ingest(
      tenantOf(request).id,
      events.map((e, i) => serverEvent(session.sessionId, e.type, base + i, e.fields ?? {})),
    );
    return loadSession(request, session.sessionId);
  }

  return { deps, auth, tenantOf, infoOf, loadSession, record };
}

export type EvoBase = ReturnType<typeof evoBase>;

export const sessionResult = (info: SessionInfo): EvoResult => ({
  name: 'SessionInfo',
  body: info,
  rows: [info],
  sessionRows: true,
  xml: () => sessionInfoXml(info),
});

export const listResult = (page: ListPage): EvoResult => ({
  name: 'ListSessionsResponse',
  body: page,
  rows: page.items,
  sessionRows: true,
  xml: () => listXml(page),
});

/** A response DTO holding one list of SessionInfo under `field` (`{ "sessions": [...] }`). */
export const sessionsResult = (name: string, field: string, sessions: SessionInfo[]): EvoResult => ({
  name,
  body: { [field]: sessions },
  rows: sessions,
  sessionRows: true,
  itemNames: { [field]: 'SessionInfo' },
});
