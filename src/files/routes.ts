/**
 * Upload and download of the bytes behind `file.shared` and `recording.available` events.
 * A file id must have been declared by one of those events first, so stray uploads cannot fill the disk.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import parseRange from 'range-parser';
import type { Readable } from 'node:stream';
import type { AppDeps } from '../app.js';
import { AppError, ErrorBody, commonErrors, tenantSecurity } from '../http/errors.js';
import { FileParams } from '../sessions/schemas.js';
import { sessionDoc } from '../sessions/repository.js';
import { blobKey } from './blobs.js';
import type { Session } from '../domain/session.js';

interface FileRow {
  size: number;
  content_type: string;
  sha256: string;
  storage_key: string;
  uploaded_at: Date;
}

function declared(
  session: Session,
  fileId: string,
): { name: string | null; contentType: string | null } | null {
  const file = session.files.find((f) => f.id === fileId);
  if (file) return { name: file.name, contentType: file.contentType };
  const recording = session.recordings.find((r) => r.id === fileId);
  return recording ? { name: recording.name, contentType: recording.contentType } : null;
}

export function fileRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const preHandler = async (request: Parameters<AppDeps['authenticate']>[0]) => {
    await deps.authenticate(request);
  };

  // Uploads arrive as raw streams of any content type.
  void app.register((scope, _options, registered) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.withTypeProvider<TypeBoxTypeProvider>().put(
      '/v1/sessions/:sessionId/files/:fileId',
      {
        bodyLimit: Number.MAX_SAFE_INTEGER,
        schema: {
          tags: ['files'],
          summary: 'Upload the bytes of a shared file or a recording',
          description:
            'The body is the raw content; its Content-Type is kept. The id must have been declared by a file.shared or recording.available event. Uploading again replaces the bytes.',
          security: tenantSecurity,
          params: FileParams,
          response: {
            201: Type.Object({
              fileId: Type.String(),
              size: Type.Integer(),
              sha256: Type.String(),
              downloadUrl: Type.String(),
            }),
            ...commonErrors,
            413: ErrorBody,
          },
        },
        preHandler,
      },
      async (request, reply) => {
        const tenantId = request.principal!.tenant.id;
        const { sessionId, fileId } = request.params;
        const session = await sessionDoc(deps.db, tenantId, sessionId);
        if (!session) throw new AppError('not_found', `session '${sessionId}' not found`);
        if (!declared(session, fileId)) {
          throw new AppError(
            'not_found',
            `session '${sessionId}' has no file or recording '${fileId}': send its file.shared or recording.available event first`,
          );
        }
        const body = request.body as Readable | undefined;
        if (!body || typeof body.pipe !== 'function')
          throw new AppError('bad_request', 'the body must be the file content');
        const key = blobKey(tenantId, sessionId, fileId);
        const { size, sha256 } = await deps.blobs.put(key, body, deps.maxFileBytes);
        const contentType = request.headers['content-type'] ?? 'application/octet-stream';
        await deps.db.query(
          `INSERT INTO files (tenant_id, session_id, file_id, size, content_type, sha256, storage_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (tenant_id, session_id, file_id) DO UPDATE SET size = EXCLUDED.size,
             content_type = EXCLUDED.content_type, sha256 = EXCLUDED.sha256, uploaded_at = now()`,
          [tenantId, sessionId, fileId, size, contentType, sha256, key],
        );
        reply.code(201);
        return { fileId, size, sha256, downloadUrl: deps.links(request).file(sessionId, fileId) };
      },
    );
    registered();
  });

  app.get(
    '/v1/sessions/:sessionId/files/:fileId',
    {
      schema: {
        tags: ['files'],
        summary: 'Download a file or recording (supports Range)',
        security: tenantSecurity,
        params: FileParams,
        response: {
          200: Type.Any({ description: 'the bytes' }),
          206: Type.Any(),
          ...commonErrors,
          416: ErrorBody,
        },
      },
      preHandler,
    },
    async (request, reply) =>
      sendFileBytes(
        deps,
        request,
        reply,
        request.principal!.tenant.id,
        request.params.sessionId,
        request.params.fileId,
      ),
  );
}

/**
 * Streams the stored bytes of a file or recording, honouring `Range` (one range; a malformed or multi-part
 * one is ignored, as RFC 9110 allows) with ETag and Last-Modified. Shared by every dialect's download route.
 */
export async function sendFileBytes(
  deps: Pick<AppDeps, 'db' | 'blobs'>,
  request: FastifyRequest,
  reply: FastifyReply,
  tenantId: string,
  sessionId: string,
  fileId: string,
): Promise<FastifyReply> {
  const row = (
    await deps.db.query<FileRow>(
      'SELECT size, content_type, sha256, storage_key, uploaded_at FROM files WHERE tenant_id = $1 AND session_id = $2 AND file_id = $3',
      [tenantId, sessionId, fileId],
    )
  ).rows[0];
  if (!row)
    throw new AppError('not_found', `no bytes uploaded for file '${fileId}' of session '${sessionId}'`);
  const size = Number(row.size);
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', `"${row.sha256}"`)
    .header('content-type', row.content_type)
    .header('last-modified', row.uploaded_at.toUTCString());
  const rangeHeader = request.headers.range;
  if (rangeHeader) {
    const ranges = parseRange(size, rangeHeader, { combine: true });
    if (ranges === -1) {
      reply.header('content-range', `bytes */${size}`);
      throw new AppError(
        'range_not_satisfiable',
        `range '${rangeHeader}' is outside the ${size} bytes of this file`,
      );
    }
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0];
      reply
        .code(206)
        .header('content-range', `bytes ${start}-${end}/${size}`)
        .header('content-length', end - start + 1);
      return reply.send(deps.blobs.read(row.storage_key, { start, end }));
    }
  }
  reply.header('content-length', size);
  if (size === 0) return reply.send('');
  return reply.send(deps.blobs.read(row.storage_key));
}
