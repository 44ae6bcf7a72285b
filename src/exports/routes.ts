/** `GET /v1/exports/sessions`: every matching session, streamed as NDJSON or CSV (docs/export.md). */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { AppDeps } from '../app.js';
import { SESSION_ID_PATTERN, literals } from '../domain/events.js';
import { AppError, commonErrors, tenantSecurity } from '../http/errors.js';
import { ListQuery } from '../sessions/schemas.js';
import { EXPORT_READ_AHEAD, exportChunks, type ExportFormat } from './stream.js';
import {
  createExportJob,
  deleteExportJob,
  exportFile,
  exportJob,
  exportJobs,
  startExportRunner,
} from './jobs.js';

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

/** The body of `POST /v1/exports`: the export's parameters, without `after` (a job writes the whole range). */
const JobRequest = Type.Omit(ExportQuery, ['after'], { additionalProperties: false });
type JobRequest = Static<typeof JobRequest>;

const JobId = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
type JobId = Static<typeof JobId>;

const JobView = Type.Object(
  {
    id: Type.String(),
    status: literals(['queued', 'running', 'done', 'failed'] as const),
    format: literals(['ndjson', 'csv'] as const),
    rows: literals(['sessions', 'operators'] as const),
    filters: Type.Record(Type.String(), Type.Unknown()),
    written: Type.Integer({ description: 'lines written so far (sessions, or operator legs)' }),
    progress: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      description: '0–1 by the created time reached, when the range has both ends; 1 when done',
    }),
    bytes: Type.Union([Type.Integer(), Type.Null()]),
    sha256: Type.Union([Type.String(), Type.Null()]),
    error: Type.Union([Type.String(), Type.Null()]),
    created: Type.String({ format: 'date-time' }),
    started: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    finished: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    expires: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    download: Type.Union([Type.String(), Type.Null()], { description: 'where the file is, once done' }),
  },
  { additionalProperties: false },
);

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
        .send(Readable.from(chunks, { highWaterMark: EXPORT_READ_AHEAD }));
    },
  );

  exportJobRoutes(fastify, deps);
}

/** `POST /v1/exports` and the routes of the jobs it makes (docs/export.md#export-jobs). */
function exportJobRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const runner = startExportRunner({
    db: deps.db,
    blobs: deps.blobs,
    now: deps.now,
    onError: (error) => fastify.log.error({ err: error }, 'export job failed'),
  });
  fastify.addHook('onClose', async () => runner.stop());
  const authenticated = {
    preValidation: async (request: FastifyRequest) => {
      await deps.authenticate(request);
    },
  };
  const withLink = (request: FastifyRequest, job: Awaited<ReturnType<typeof exportJob>>) => ({
    ...job,
    download: job.status === 'done' ? `${deps.baseUrl(request)}/v1/exports/${job.id}/download` : null,
  });

  fastify.post<{ Body: JobRequest }>(
    '/v1/exports',
    {
      schema: {
        tags: ['export'],
        summary: 'Start an export job: the server writes the export to a file to download when it is done',
        description:
          'The body takes the parameters of `GET /v1/exports/sessions` (filters, `format`, `rows`) as JSON. Answers 202 with the job; poll `GET /v1/exports/{id}` until `status` is `done`, then download the file. Files expire 24 h after they are finished.',
        security: tenantSecurity,
        body: JobRequest,
        response: { 202: JobView, ...commonErrors },
      },
      ...authenticated,
    },
    async (request, reply) => {
      const { format = 'ndjson', rows = 'sessions', ...filters } = request.body ?? {};
      const job = await createExportJob(deps.db, request.principal!.tenant.id, { format, rows, filters });
      runner.kick();
      return reply.code(202).header('location', `/v1/exports/${job.id}`).send(withLink(request, job));
    },
  );

  fastify.get(
    '/v1/exports',
    {
      schema: {
        tags: ['export'],
        summary: "The tenant's export jobs, newest first",
        security: tenantSecurity,
        response: { 200: Type.Object({ jobs: Type.Array(JobView) }), ...commonErrors },
      },
      ...authenticated,
    },
    async (request) => {
      const jobs = await exportJobs(deps.db, request.principal!.tenant.id);
      return { jobs: jobs.map((job) => withLink(request, job)) };
    },
  );

  fastify.get<{ Params: JobId }>(
    '/v1/exports/:id',
    {
      schema: {
        tags: ['export'],
        summary: 'One export job: status and progress',
        security: tenantSecurity,
        params: JobId,
        response: { 200: JobView, ...commonErrors },
      },
      ...authenticated,
    },
    async (request) =>
      withLink(request, await exportJob(deps.db, request.principal!.tenant.id, request.params.id)),
  );

  fastify.get<{ Params: JobId }>(
    '/v1/exports/:id/download',
    {
      schema: {
        tags: ['export'],
        summary: 'The file of a finished export job (409 until it is done)',
        security: tenantSecurity,
        params: JobId,
        produces: [CONTENT_TYPE.ndjson, CONTENT_TYPE.csv],
        response: {
          200: {
            description: 'the export file',
            content: {
              'application/x-ndjson': { schema: Type.String() },
              'text/csv': { schema: Type.String() },
            },
          },
          ...commonErrors,
        },
      },
      ...authenticated,
    },
    async (request, reply) => {
      const file = await exportFile(deps.db, request.principal!.tenant.id, request.params.id);
      const blob = await deps.blobs.open(file.key);
      if (!blob)
        throw new AppError('not_found', `export job '${request.params.id}' has no file (it expired)`);
      const stamp = file.created.toISOString().slice(0, 10);
      return reply
        .type(CONTENT_TYPE[file.format])
        .header('content-length', String(file.bytes))
        .header('content-disposition', `attachment; filename="sessions-${stamp}.${file.format}"`)
        .header('digest', `sha-256=${Buffer.from(file.sha256, 'hex').toString('base64')}`)
        .header('cache-control', 'no-store')
        .send(blob.stream());
    },
  );

  fastify.delete<{ Params: JobId }>(
    '/v1/exports/:id',
    {
      schema: {
        tags: ['export'],
        summary: 'Cancel an export job, or delete a finished one and its file',
        security: tenantSecurity,
        params: JobId,
        response: { 204: Type.Null(), ...commonErrors },
      },
      ...authenticated,
    },
    async (request, reply) => {
      await deleteExportJob(deps.db, deps.blobs, request.principal!.tenant.id, request.params.id);
      return reply.code(204).send();
    },
  );
}
