/**
 * mluvii's user routes: `GET /api/v1/Users/{id}` (UserModel) and `GET /api/v1/Users/{userId}/operatorStates`
 * (the operator's states, newest first, paged). Registered inside the mluvii scope with its token check and
 * its error handler (RFC 7807 problems); the reads and the mapping are in ./users.ts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../../app.js';
import { pathParam, SECURITY } from '../../http/openapi.js';
import { Int32, listQueryParameters, problems } from './docs.js';
import { DEFAULT_LIMIT, MAX_LIMIT, type RawQuery } from './query.js';
import {
  OperatorStatesPage,
  operatorStates,
  STATES_LIST,
  userIdParam,
  UserModel,
  userModel,
} from './users.js';

export interface UserRouteDeps {
  deps: AppDeps;
  /** Authenticates the mluvii Bearer token and sets `request.principal`. */
  authenticate: (request: FastifyRequest) => Promise<void>;
}

const tags = ['mluvii'];
const security = SECURITY.mluvii;

const errors = (what: string) =>
  problems({
    400: `Not a 32-bit integer ${what}, or a bad query parameter`,
    404: 'The tenant has no such user',
  });

export function mluviiUserRoutes(scope: FastifyInstance, { deps, authenticate }: UserRouteDeps): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.principal!.tenant;

  app.get(
    '/api/v1/Users/:id',
    {
      schema: {
        tags,
        summary: 'One operator as a UserModel (404 when the tenant has never seen that userId)',
        description:
          'firstName, lastName and username are the latest the operator was sent with (session or operator.state events), null when never sent; email is always null.',
        params: Type.Object({ id: Type.String() }),
        response: { 200: UserModel },
        security,
      },
      config: {
        openapi: { parameters: [pathParam('id', Int32, 1001)], responses: errors('id') },
      },
      onRequest: authenticate,
    },
    async (request) => userModel(deps.db, tenantOf(request).id, userIdParam(request.params.id, 'id')),
  );

  app.get(
    '/api/v1/Users/:userId/operatorStates',
    {
      schema: {
        tags,
        summary: "The operator's states (OperatorStateModel), newest first, paged",
        description: `Every \`operator.state\` event of the user, newest first. \`Changed.Min\` / \`Changed.Max\` (inclusive; \`yyyy-MM-dd\` or a date-time) limit the window; \`limit\` 1–${MAX_LIMIT} (default ${DEFAULT_LIMIT}) and \`page\` (from 1) choose the page; \`totalCount\` counts the window. Any other parameter is a 400.`,
        params: Type.Object({ userId: Type.String() }),
        response: { 200: OperatorStatesPage },
        security,
      },
      config: {
        openapi: {
          parameters: [
            pathParam('userId', Int32, 1001),
            ...listQueryParameters(STATES_LIST, { 'Changed.Min': '2026-05-04' }),
          ],
          responses: errors('userId'),
        },
      },
      onRequest: authenticate,
    },
    async (request) =>
      operatorStates(
        deps.db,
        tenantOf(request),
        userIdParam(request.params.userId, 'userId'),
        request.query as RawQuery,
        deps.now(),
      ),
  );
}
