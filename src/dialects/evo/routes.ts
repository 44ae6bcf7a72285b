/**
 * Evo Voice's sessions API (seed 003): ServiceStack auth, SessionInfo reads and lists in JSON, XML, CSV and
 * JSON Lines, and the call operations, each recorded as a native event; served on Evo's custom routes and
 * on ServiceStack's predefined routes for typed clients. Errors in ServiceStack's `responseStatus` shape
 * (XML when XML was asked for).
 */
import type { FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { AppDeps } from '../../app.js';
import { customRoutes } from './custom.js';
import { evoHttp } from './http.js';
import { predefinedRoutes } from './predefined.js';

export function evoRoutes(deps: AppDeps) {
  return async function evo(scope: FastifyInstance): Promise<void> {
    await scope.register(cookie);
    // ServiceStack binds request DTOs from form posts as well as JSON.
    await scope.register(formbody);
    const http = evoHttp(deps);
    scope.setErrorHandler(http.errorHandler);
    customRoutes(scope, http);
    predefinedRoutes(scope, http);
  };
}
