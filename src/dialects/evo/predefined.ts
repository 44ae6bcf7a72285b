/**
 * ServiceStack's predefined routes, which typed clients (`JsonServiceClient` / `@servicestack/client` with
 * generated DTOs) call instead of the custom paths: `/api/{Operation}` (format negotiated as on every
 * route) and `/{format}/reply/{Operation}` (format fixed by the path). The fields bind from the query
 * string and the body; each operation runs the same function as its custom route.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EvoError } from './errors.js';
import { namedFormat } from './format.js';
import type { EvoHttp } from './http.js';
import { predefinedDocs } from './docs.js';
import type { Access } from '../../http/access.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: Method[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Reads answer GET (what typed clients send for them) and POST (ServiceStack's default verb for `send`). */
const READ: Method[] = ['GET', 'POST'];

/**
 * The operations typed clients may call, by request DTO name, with the verbs each accepts. ServiceStack's
 * predefined routes accept any verb; a change is refused over GET here so that no link or prefetch can
 * make one (405). Each names what a client's role must grant (src/http/access.ts).
 */
export const PREDEFINED = {
  Authenticate: { verbs: ['GET', 'POST', 'DELETE'], access: 'public' },
  ListSessions: { verbs: READ, access: 'read' },
  GetSession: { verbs: READ, access: 'read' },
  GetActiveSessions: { verbs: READ, access: 'read' },
  GetMySessions: { verbs: READ, access: 'read' },
  HoldSession: { verbs: ['POST', 'PUT'], access: 'operate' },
  RedirectSession: { verbs: ['POST', 'PUT'], access: 'operate' },
  PatchSession: { verbs: ['PATCH', 'POST', 'PUT'], access: 'operate' },
  DeleteSessions: { verbs: ['DELETE', 'POST'], access: 'manage' },
} as const satisfies Record<string, { verbs: readonly Method[]; access: Access }>;

type Name = keyof typeof PREDEFINED;
const byLowerName = new Map(Object.keys(PREDEFINED).map((name) => [name.toLowerCase(), name as Name]));

/** The `/{format}/reply/…` paths: ours, and `jsv`, which the metadata lists but Switchboard does not serve. */
const REPLY_FORMATS = ['json', 'xml', 'csv', 'jsonl', 'jsv'] as const;

export function predefinedRoutes(scope: FastifyInstance, http: EvoHttp): void {
  const { ops, handler, negotiate } = http;

  function route(url: string, fixed: (typeof REPLY_FORMATS)[number] | null) {
    const format = fixed === null || fixed === 'jsv' ? null : fixed;
    const handlers = new Map(
      (Object.keys(PREDEFINED) as Name[]).map((name) => [
        name,
        handler(ops[name], { access: PREDEFINED[name].access, format: () => format }),
      ]),
    );
    scope.route({
      method: METHODS,
      url,
      schema: {
        tags: ['evo'],
        summary: `ServiceStack predefined route: ${Object.keys(PREDEFINED).join(', ')}`,
      },
      // Documentation only: the operation binds its own fields (./bind.ts).
      config: { openapi: predefinedDocs(PREDEFINED, format) },
      handler: async (request: FastifyRequest<{ Params: { operation: string } }>, reply: FastifyReply) => {
        const name = byLowerName.get(request.params.operation.toLowerCase());
        // An unknown operation is an unknown route: the app's not-found handler answers it.
        if (!name) return reply.callNotFound();
        negotiate(request, format);
        if (fixed === 'jsv') namedFormat(fixed);
        const verbs: readonly Method[] = PREDEFINED[name].verbs;
        // HEAD is GET without the body, as Fastify answers it.
        const verb = request.method === 'HEAD' ? 'GET' : request.method;
        if (!verbs.includes(verb as Method)) {
          reply.header('allow', verbs.join(', '));
          throw new EvoError(
            405,
            'NotSupported',
            `${name} does not accept ${request.method}; use ${verbs.join(' or ')}`,
          );
        }
        return handlers.get(name)!(request, reply);
      },
    });
  }

  route('/api/:operation', null);
  for (const format of REPLY_FORMATS) route(`/${format}/reply/:operation`, format);
}
