/** Kore.ai's error shape: `{ "errors": [{ "msg", "code" }] }`. */
import type { FastifyReply } from 'fastify';
import { toAppError } from '../../http/errors.js';

export class KoreError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Kore's numeric code; the HTTP status unless given. */
    readonly code: number = status,
  ) {
    super(message);
  }
}

export function sendKoreError(reply: FastifyReply, error: unknown): FastifyReply {
  let kore: KoreError;
  if (error instanceof KoreError) kore = error;
  else {
    const app = toAppError(error);
    const field = Array.isArray(app.details) ? (app.details as { field?: string }[])[0]?.field : undefined;
    kore = new KoreError(app.status, field ? `${field}: ${app.message}` : app.message);
  }
  return reply.code(kore.status).send({ errors: [{ msg: kore.message, code: kore.code }] });
}
