/**
 * The HTTP shell every Evo route shares: format negotiation (remembered per request, so errors answer in
 * the format asked for), the ServiceStack error handler, and `handler`, which binds a request's fields
 * and renders the operation's answer.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { AppDeps } from '../../app.js';
import { evoAuth } from './auth.js';
import { admit, type Access } from '../../http/access.js';
import { bind } from './bind.js';
import { evoErrorBody } from './errors.js';
import { errorXml, requestedFormat, type Format } from './format.js';
import { listOperations } from './lists.js';
import { sessionOperations } from './operations.js';
import { send } from './render.js';
import { evoBase, type EvoOperation } from './service.js';

export interface HandlerOptions {
  /**
   * What the caller's role must grant (src/http/access.ts); default: the route's. Evo's predefined routes
   * carry every operation, so they pass the operation's.
   */
  access?: Access;
  /** The format the route fixes (`/xml/reply/…`), else negotiated from suffix, `?format=` and Accept. */
  format?: (request: FastifyRequest) => Format | null;
  /** Fields the path carries; they win over the query string and the body, as in ServiceStack. */
  path?: (request: FastifyRequest) => Record<string, string>;
}

export function evoHttp(deps: AppDeps) {
  const auth = evoAuth(deps.db, deps.now);
  const base = evoBase(deps, auth);
  /** Every Evo operation, by the name of its request DTO. */
  const ops = { ...listOperations(base), ...sessionOperations(base) };
  const formats = new WeakMap<FastifyRequest, Format>();

  /** The format of the answer; set before anything can fail so that errors use it too. */
  function negotiate(request: FastifyRequest, suffix: Format | null): Format {
    // The error handler speaks XML as soon as XML was asked for, even if the format itself is then refused.
    if (suffix === 'xml' || /xml/i.test(request.headers.accept ?? '')) formats.set(request, 'xml');
    const format = requestedFormat(request, suffix);
    formats.set(request, format);
    return format;
  }

  function errorHandler(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
    const { status, body } = evoErrorBody(error);
    if (status >= 500) request.log.error({ err: error }, 'unhandled error');
    if (formats.get(request) === 'xml')
      return reply.code(status).type('application/xml').send(errorXml(body));
    return reply.code(status).send(body);
  }

  function handler(op: EvoOperation, options: HandlerOptions = {}) {
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const format = negotiate(request, options.format?.(request) ?? null);
      const access = options.access ?? request.routeOptions.config.access;
      if (access !== 'public') admit(request, await auth.authenticate(request), access);
      const fields = bind(request.query, request.body, options.path?.(request));
      return send(reply, format, await op({ request, reply, fields }));
    };
  }

  return { auth, ops, negotiate, errorHandler, handler };
}

export type EvoHttp = ReturnType<typeof evoHttp>;
