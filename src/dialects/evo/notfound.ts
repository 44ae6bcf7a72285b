/**
 * The Evo surface's 404: a path that looks like Evo Voice's API (its custom routes, ServiceStack's
 * predefined routes) but matches no route, or names no operation, answers `responseStatus` with errorCode
 * `NotFound` — what ServiceStack clients can read. `/api/v1/…` (mluvii) and `/api/public/…` (Kore) are not
 * Evo's.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EvoError, evoErrorBody } from './errors.js';
import { errorXml } from './format.js';

const EVO_PREFIXES =
  /^\/(sessions|auth|calls|accounts|api|(json|xml|csv|jsv|jsonl)\/(reply|oneway))(\/|\.|$)/i;
const OTHER_DIALECTS = /^\/api\/(v1|public)(\/|$)/i;
const OPERATION = /^\/(?:api|(?:json|xml|csv|jsv|jsonl)\/(?:reply|oneway))\/([^/]+)$/i;

/** Whether an unmatched path belongs to the Evo surface. */
export function isEvoPath(url: string): boolean {
  const path = url.split('?')[0];
  return EVO_PREFIXES.test(path) && !OTHER_DIALECTS.test(path);
}

export function sendEvoNotFound(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split('?')[0];
  const operation = OPERATION.exec(path)?.[1];
  const { status, body } = evoErrorBody(
    new EvoError(
      404,
      'NotFound',
      operation
        ? `Unknown operation '${operation}'`
        : `Handler for Request not found: ${request.method} ${path}`,
    ),
  );
  const accept = request.headers.accept ?? '';
  const xml =
    /^\/xml\//i.test(path) || /\.xml$/i.test(path) || (/xml/i.test(accept) && !/json/i.test(accept));
  if (xml) return reply.code(status).type('application/xml').send(errorXml(body));
  return reply.code(status).send(body);
}
