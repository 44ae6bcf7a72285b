/**
 * Runs PGlite in a worker thread and serves it over PostgreSQL's wire protocol on a local Unix socket, so
 * the main thread talks plain `pg` to "a server" and never blocks on a query (DESIGN.md, Storage).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

interface Options {
  dataDir: string | null;
  socketPath: string;
}

const { dataDir, socketPath } = workerData as Options;
const port = parentPort!;

async function main(): Promise<void> {
  // pg_trgm: the trigram index of activity texts (migration 020).
  const db = await PGlite.create({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm } });
  // One connection: PGlite is a single session, so two interleaved connections would share a transaction.
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  port.on('message', (message: { type: string }) => {
    if (message.type !== 'stop') return;
    void (async () => {
      try {
        await server.stop();
        await db.close();
      } finally {
        port.postMessage({ type: 'stopped' });
      }
    })();
  });
  port.postMessage({ type: 'ready' });
}

main().catch((error: unknown) => {
  port.postMessage({
    type: 'error',
    message: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
});
