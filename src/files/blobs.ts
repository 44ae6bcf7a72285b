/**
 * The blob directory: bytes of shared files and recordings, streamed to disk and never held in memory whole.
 *
 * Blobs are immutable versions. Each upload writes a new blob under a key of its own (a temporary file renamed
 * into place, so no reader ever sees a partial file); the `files` row then points to it in one update, and the
 * blob it replaced is removed. A download opens the blob the row names before it answers, and an open file
 * keeps its bytes after it is removed, so every download streams exactly the version its headers describe.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../http/errors.js';

/** A blob opened for reading: its bytes stay readable even if the blob is removed meanwhile. */
export interface OpenBlob {
  size: number;
  /** Streams the bytes (or an inclusive range of them); the blob is closed when the stream ends. */
  stream(range?: { start: number; end: number }): Readable;
  /** Closes the blob without streaming it. */
  close(): Promise<void>;
}

export interface BlobStore {
  /** Stores a stream under a new key; returns its size and SHA-256. Fails with 413 past `maxBytes`. */
  put(key: string, body: Readable, maxBytes: number): Promise<{ size: number; sha256: string }>;
  /** Opens a blob; null when there is none under that key (it was replaced or deleted). */
  open(key: string): Promise<OpenBlob | null>;
  remove(key: string): Promise<void>;
  /** Every stored blob and unfinished upload, with its last modification time (for the sweep). */
  list(): AsyncIterable<{ key: string; modified: number; partial: boolean }>;
}

const PART = '.part';

/** The directory part of a file's keys: it cannot escape the blob directory, whatever the ids contain. */
export function blobKey(tenantId: string, sessionId: string, fileId: string): string {
  const hash = createHash('sha256').update(`${tenantId}\u0000${sessionId}\u0000${fileId}`).digest('hex');
  return `${hash.slice(0, 2)}/${hash.slice(2, 4)}/${hash}`;
}

/** A key for one new version of a file's bytes: never used before, so a write never replaces a blob. */
export function newBlobKey(tenantId: string, sessionId: string, fileId: string): string {
  return `${blobKey(tenantId, sessionId, fileId)}.${Date.now().toString(36)}${randomBytes(8).toString('hex')}`;
}

export function fileBlobStore(root: string): BlobStore {
  return {
    async put(key, body, maxBytes) {
      const target = join(root, key);
      await mkdir(dirname(target), { recursive: true });
      const temp = `${target}.${randomBytes(6).toString('hex')}${PART}`;
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

    async open(key) {
      let handle;
      try {
        handle = await open(join(root, key), 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
      const { size } = await handle.stat();
      let used = false;
      return {
        size,
        stream(range) {
          used = true;
          return handle.createReadStream({ autoClose: true, ...(range ?? {}) });
        },
        async close() {
          if (!used) await handle.close();
        },
      };
    },

    async remove(key) {
      await rm(join(root, key), { force: true });
    },

    async *list() {
      const walk = async function* (
        dir: string,
      ): AsyncGenerator<{ key: string; modified: number; partial: boolean }> {
        let entries;
        try {
          entries = await readdir(dir, { withFileTypes: true });
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          throw error;
        }
        for (const entry of entries) {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) yield* walk(path);
          else if (entry.isFile()) {
            const info = await stat(path).catch(() => null);
            if (!info) continue; // removed while we walked
            yield {
              key: relative(root, path).split(sep).join('/'),
              modified: info.mtimeMs,
              partial: entry.name.endsWith(PART),
            };
          }
        }
      };
      yield* walk(root);
    },
  };
}
