/**
 * One error type inside; the native dialect renders it as `{ error: { code, message, details? } }`.
 * Other dialects (mluvii, Evo, Kore) render the same AppError in their own documented shapes.
 */
import { Type } from '@sinclair/typebox';

export const ERROR_STATUS = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  request_timeout: 408,
  payload_too_large: 413,
  unsupported_media_type: 415,
  range_not_satisfiable: 416,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'ErrorBody', title: 'Error' },
);

/** The error responses every authenticated native route can give. */
export const commonErrors = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
};

/** Fastify's own request errors and what they mean to a client. */
const FASTIFY_ERRORS: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_INVALID_JSON_BODY: ['bad_request', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['bad_request', 'the body is empty'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'request body is too large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'unsupported content type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['bad_request', 'bad Content-Length'],
};

/** Turns anything thrown inside a request into an AppError (Fastify's own errors included). */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  const e = error as {
    code?: string;
    statusCode?: number;
    message?: string;
    validation?: unknown[];
    validationContext?: string;
  };
  if (e.validation) {
    type AjvError = { instancePath?: string; message?: string; params?: Record<string, unknown> };
    const details = (e.validation as AjvError[]).map((v) => {
      const extra = v.params?.additionalProperty ?? v.params?.missingProperty;
      const path = [
        e.validationContext,
        ...(v.instancePath ?? '').split('/').filter(Boolean),
        ...(typeof extra === 'string' ? [extra] : []),
      ];
      const field = path.filter(Boolean).join('.');
      const message =
        typeof v.params?.additionalProperty === 'string'
          ? 'is not a known parameter'
          : (v.message ?? 'is invalid');
      return { field, message };
    });
    return new AppError(
      'validation_failed',
      `invalid request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
      details,
    );
  }
  // PostgreSQL's data exceptions (class 22: a number out of range, an impossible date, bad text): the input
  // did not fit a column. Validation should have said so first; this is the last line of defence.
  if (typeof e.code === 'string' && /^22[0-9A-Z]{3}$/.test(e.code) && e.message)
    return new AppError('validation_failed', `a value does not fit: ${e.message}`, [
      { field: 'value', message: e.message },
    ]);
  // A statement over SWITCHBOARD_STATEMENT_TIMEOUT_MS (PostgreSQL's query_canceled, or the embedded store's
  // own bound): the server is not broken, the request asked for too much at once.
  if (e.code === '57014')
    return new AppError(
      'unavailable',
      'the query ran longer than this server allows; narrow it (e.g. a shorter date range) or try again later',
    );
  const fastifyCode = FASTIFY_ERRORS[e.code ?? ''];
  if (fastifyCode)
    return new AppError(fastifyCode[0], `${fastifyCode[1]}${e.message ? `: ${e.message}` : ''}`);
  if (error instanceof SyntaxError)
    return new AppError('bad_request', `the body is not valid JSON: ${error.message}`);
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    const code = (Object.entries(ERROR_STATUS).find(([, s]) => s === e.statusCode)?.[0] ??
      'bad_request') as ErrorCode;
    return new AppError(code, e.message ?? 'bad request');
  }
  return new AppError('internal', 'internal error');
}

/** OpenAPI security of native tenant routes. */
export const tenantSecurity: { [scheme: string]: string[] }[] = [{ bearer: [] }, { basic: [] }];
