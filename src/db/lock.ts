/**
 * One process at a time may open an embedded store: PGlite's files are not safe for two writers. The lock is
 * a pid file; a lock left by a process that no longer runs (kill -9, power loss) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class StoreLockedError extends Error {}

/** Takes the lock of `dataDir`; returns the function that releases it. */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'switchboard.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      return () => rmSync(path, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(path, 'utf8').trim());
      if (holder && holder !== process.pid && alive(holder)) {
        throw new StoreLockedError(
          `the embedded store in ${dataDir} is in use by process ${holder}; stop that server first, or use the HTTP API (POST /v1/tenants)`,
        );
      }
      rmSync(path, { force: true });
    }
  }
  throw new StoreLockedError(`could not lock ${dataDir}`);
}
