/** `GET /v1/exports/sessions`: every matching session, streamed as NDJSON or CSV (docs/export.md). */
import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppDeps } from '../app.js';
import { SESSION_ID_PATTERN, literals } from '../domain/events.js';
import { commonErrors, tenantSecurity } from '../http/errors.js';
import { ListQuery } from '../sessions/schemas.js';
import { exportChunks, type ExportFormat } from './stream.js';

const ExportQuery = Type.Composite(
  [
    Type.Omit(ListQuery, ['limit', 'cursor']),
    Type.Object({
      format: Type.Optional(
        literals(['ndjson', 'csv'] as const, {
          description: 'ndjson (default) or csv; without it, `Accept: text/csv` chooses CSV',
        }),
      ),
      rows: Type.Optional(
        literals(['sessions', 'operators'] as const, {
          description: 'one row a session (default) or one row an operator leg',
        }),
      ),
      after: Type.Optional(
        Type.String({
          pattern: SESSION_ID_PATTERN,
          description: 'resume a broken download after this session (the last complete line’s sessionId)',
        }),
      ),
    }),
  ],
  { additionalProperties: false },
);
type ExportQuery = Static<typeof ExportQuery>;

const CONTENT_TYPE: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export function exportRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  // A streamed body does not fit the type provider's reply typing: typed by hand here.
  fastify.get<{ Querystring: ExportQuery }>(
    '/v1/exports/sessions',
    {
      schema: {
        tags: ['export'],
        summary: 'Every matching session, oldest first, streamed as NDJSON or CSV',
        description:
          'Takes the filters of `GET /v1/sessions`, any range. NDJSON lines are the session summaries of the list; CSV has the columns of docs/export.md. Sessions come in (created, id) order; a cut download resumes with `after` = the sessionId of the last complete line. Running durations of open sessions are computed against one clock for the whole export.',
        security: tenantSecurity,
        querystring: ExportQuery,
        produces: [CONTENT_TYPE.ndjson, CONTENT_TYPE.csv],
        response: {
          200: {
            description: 'the export, streamed (chunked)',
            content: {
              'application/x-ndjson': { schema: Type.String() },
              'text/csv': { schema: Type.String() },
            },
          },
          ...commonErrors,
        },
      },
      // Credentials first: an anonymous caller learns nothing from parameter validation.
      preValidation: async (request) => {
        await deps.authenticate(request);
      },
    },
    async (request, reply) => {
      const { format: asked, rows = 'sessions', after, ...filters } = request.query;
      const format: ExportFormat =
        asked ?? (/\btext\/csv\b/i.test(request.headers.accept ?? '') ? 'csv' : 'ndjson');
      const chunks = await exportChunks(deps.db, {
        tenantId: request.principal!.tenant.id,
        filters,
        format,
        rows,
        after,
        now: deps.now(),
      });
      const stamp = new Date(deps.now()).toISOString().slice(0, 10);
      return reply
        .type(CONTENT_TYPE[format])
        .header('content-disposition', `attachment; filename="sessions-${stamp}.${format}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(chunks));
    },
  );
}
