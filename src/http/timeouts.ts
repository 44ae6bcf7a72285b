/**
 * How long a client may take to send a request (issue 15): slowloris headers, trickled bodies and silent
 * sockets are cut off in bounded time. Node's HTTP server enforces the header, whole-request, idle and
 * keep-alive limits; the body limit is ours, because a streamed upload may rightly take longer than a
 * JSON batch: it bounds the reading of every body that is parsed before the handler runs.
 */
import { Transform } from 'node:stream';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { AppError } from './errors.js';

export interface Timeouts {
  /** All request headers must arrive within this (slowloris). Default 10 s. */
  headersMs: number;
  /** A body read before the handler (JSON, NDJSON, forms) must arrive within this. Default 60 s. */
  bodyMs: number;
  /** The whole request, streamed uploads included. Default 1 h. */
  requestMs: number;
  /** A socket with no traffic either way for this long is closed. Default 60 s. */
  idleMs: number;
  /** An idle keep-alive connection is closed after this. Default 72 s (above common load balancers' 60 s). */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = {
  headersMs: 10_000,
  bodyMs: 60_000,
  requestMs: 3_600_000,
  idleMs: 60_000,
  keepAliveMs: 72_000,
};

/** Routes that stream their body to the handler set `config: { streamedBody: true }`. */
declare module 'fastify' {
  interface FastifyContextConfig {
    streamedBody?: boolean;
  }
}

/** Fastify's server options for these limits. */
export function serverTimeoutOptions(t: Timeouts): Partial<FastifyServerOptions> {
  return {
    connectionTimeout: t.idleMs,
    keepAliveTimeout: t.keepAliveMs,
    requestTimeout: t.requestMs,
    http: {
      headersTimeout: Math.min(t.headersMs, t.requestMs),
      requestTimeout: t.requestMs,
      // Node checks the header and request limits on this period (default 30 s, which would let a
      // 10 s limit run to 40 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(t.headersMs / 2))),
    },
  } as Partial<FastifyServerOptions>;
}

/**
 * Bounds the reading of every parsed body: the payload stream passes through a timer, and a body still
 * incomplete after `ms` fails with a 408 in the route's dialect, after which the connection is closed (the
 * rest of the body is never read).
 */
export function bodyTimeout(app: FastifyInstance, ms: number): void {
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (request.routeOptions.config?.streamedBody) return done(null, payload);
    const guarded = new Transform({
      transform(chunk, _encoding, callback) {
        callback(null, chunk);
      },
      flush(callback) {
        clearTimeout(timer);
        callback();
      },
    });
    const timer = setTimeout(() => {
      void reply.header('connection', 'close');
      payload.unpipe(guarded);
      guarded.destroy(new AppError('request_timeout', `the request body did not arrive within ${ms} ms`));
    }, ms);
    timer.unref();
    payload.on('error', () => clearTimeout(timer));
    payload.on('close', () => clearTimeout(timer));
    done(null, payload.pipe(guarded));
  });
}
