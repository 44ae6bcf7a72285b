/** ServiceStack's error shape: `{ responseStatus: { errorCode, message, errors: [{ errorCode, fieldName, message }] } }`. */
import { toAppError } from '../../http/errors.js';

export class EvoError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fieldName?: string,
  ) {
    super(message);
  }
}

const CODES: Record<number, string> = {
  400: 'ArgumentException',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'NotSupported',
  408: 'RequestTimeout',
  409: 'Conflict',
  503: 'ServiceUnavailable',
  415: 'UnsupportedMediaType',
  500: 'Exception',
};

export function evoErrorBody(error: unknown) {
  let e: EvoError;
  if (error instanceof EvoError) e = error;
  else {
    const app = toAppError(error);
    const field = Array.isArray(app.details) ? (app.details as { field?: string }[])[0]?.field : undefined;
    e = new EvoError(app.status, CODES[app.status] ?? 'Exception', app.message, field);
  }
  return {
    status: e.status,
    body: {
      responseStatus: {
        errorCode: e.errorCode,
        message: e.message,
        errors: e.fieldName ? [{ errorCode: e.errorCode, fieldName: e.fieldName, message: e.message }] : [],
      },
    },
  };
}
