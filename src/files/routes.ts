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
import { newBlobKey, type OpenBlob } from './blobs.js';
import { findFile, replaceFile, type FileRow } from './repository.js';
import type { Session } from '../domain/session.js';

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
        // Bounded by the whole-request and idle timeouts, not the parsed-body one. The body is raw bytes of
        // any type, streamed to the blob store: documented only, never parsed.
        config: {
          streamedBody: true,
          openapi: {
            requestBody: {
              required: true,
              content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
            },
          },
        },
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
        // A new blob per upload, then one row update: a download sees the old version or the new one.
        const key = newBlobKey(tenantId, sessionId, fileId);
        const { size, sha256 } = await deps.blobs.put(key, body, deps.maxFileBytes);
        const contentType = request.headers['content-type'] ?? 'application/octet-stream';
        let replaced: string | null;
        try {
          replaced = await deps.db.tx((q) =>
            replaceFile(q, tenantId, sessionId, fileId, { size, sha256, contentType, key }),
          );
        } catch (error) {
          await deps.blobs.remove(key).catch(() => undefined);
          throw error;
        }
        // Downloads that opened the old blob keep reading it; the sweep catches a removal that fails here.
        if (replaced !== null && replaced !== key) {
          await deps.blobs.remove(replaced).catch((error: unknown) => {
            request.log.warn({ err: error, key: replaced }, 'could not remove a replaced blob');
          });
        }
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
  const { row, blob } = await openCurrent(deps, tenantId, sessionId, fileId);
  // The headers describe the blob that is open, whatever uploads happen while it streams.
  const size = blob.size;
  // Only a file damaged before blobs were versioned can disagree with its row; it gets no ETag.
  if (size === Number(row.size)) reply.header('etag', `"${row.sha256}"`);
  reply
    .header('accept-ranges', 'bytes')
    .header('content-type', row.content_type)
    .header('last-modified', row.uploaded_at.toUTCString());
  const rangeHeader = request.headers.range;
  if (rangeHeader) {
    const ranges = parseRange(size, rangeHeader, { combine: true });
    if (ranges === -1) {
      await blob.close();
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
      return reply.send(blob.stream({ start, end }));
    }
  }
  reply.header('content-length', size);
  if (size === 0) {
    await blob.close();
    return reply.send('');
  }
  return reply.send(blob.stream());
}

/**
 * Reads the file's row and opens the blob it names. An upload that replaces the file between the two removes
 * that blob; the row is then read again and names the new one.
 */
async function openCurrent(
  deps: Pick<AppDeps, 'db' | 'blobs'>,
  tenantId: string,
  sessionId: string,
  fileId: string,
): Promise<{ row: FileRow; blob: OpenBlob }> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const row = await findFile(deps.db, tenantId, sessionId, fileId);
    if (!row)
      throw new AppError('not_found', `no bytes uploaded for file '${fileId}' of session '${sessionId}'`);
    const blob = await deps.blobs.open(row.storage_key);
    if (blob) return { row, blob };
  }
  throw new AppError('unavailable', `file '${fileId}' is being replaced too often to read; try again`);
}
