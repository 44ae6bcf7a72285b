/**
 * The blob directory: bytes of shared files and recordings, streamed to disk and never held in memory whole.
 * A blob is written to a temporary file and renamed into place, so a reader never sees a partial file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../http/errors.js';

export interface BlobStore {
  /** Stores a stream under a key; returns its size and SHA-256. Fails with 413 past `maxBytes`. */
  put(key: string, body: Readable, maxBytes: number): Promise<{ size: number; sha256: string }>;
  read(key: string, range?: { start: number; end: number }): ReadStream;
  remove(key: string): Promise<void>;
}

/** A storage key that cannot escape the blob directory, whatever the ids contain. */
export function blobKey(tenantId: string, sessionId: string, fileId: string): string {
  const hash = createHash('sha256').update(`${tenantId}\u0000${sessionId}\u0000${fileId}`).digest('hex');
  return `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

export function fileBlobStore(root: string): BlobStore {
  return {
    async put(key, body, maxBytes) {
      const target = join(root, key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}.part`;
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          size += chunk.length;
          if (size > maxBytes) {
            callback(new AppError('payload_too_large', `a file holds at most ${maxBytes} bytes`));
            return;
          }
          hash.update(chunk);
          callback(null, chunk);
        },
      });
      try {
        await pipeline(body, meter, createWriteStream(temp));
        await rename(temp, target);
      } catch (error) {
        await rm(temp, { force: true });
        throw error;
      }
      return { size, sha256: hash.digest('hex') };
    },
    read(key, range) {
      return createReadStream(join(root, key), range ? { start: range.start, end: range.end } : {});
    },
    async remove(key) {
      await rm(join(root, key), { force: true });
    },
  };
}
