/**
 * Export jobs: the bulk export of `GET /v1/exports/sessions` written by the server to a file, so that a client
 * asks once, polls for progress and downloads the result when it is done, instead of holding a connection for
 * the length of a large range (docs/export.md#export-jobs).
 *
 * Jobs live in `export_jobs`; files in the blob store under `exports/`. Every server runs a runner that claims
 * one job at a time (FOR UPDATE SKIP LOCKED), so several servers on one database share the work and a job
 * whose server died (its lease ran out) is taken up again from the start. Finished files expire.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Db } from '../db/store.js';
import type { BlobStore } from '../files/blobs.js';
import { AppError } from '../http/errors.js';
import { sessionWhere, type SessionFilters } from '../sessions/repository.js';
import { EXPORT_READ_AHEAD, exportChunks, type ExportFormat, type ExportRows } from './stream.js';

/** How long a finished (or failed) job and its file are kept. */
export const EXPORT_TTL_MS = 24 * 3_600_000;
/** A running job's runner renews its lease at least this often; a job whose lease ran out is taken up again. */
export const LEASE_MS = 60_000;
/** How often an idle runner looks for work that another server queued, and sweeps expired jobs. */
export const POLL_MS = 5_000;
/** A job interrupted this many times (its server died each time) fails instead of starting again. */
export const MAX_ATTEMPTS = 3;

export interface ExportJobParams {
  filters: SessionFilters;
  format: ExportFormat;
  rows: ExportRows;
}

interface JobRow {
  id: string;
  tenant_id: string;
  params: ExportJobParams;
  status: 'queued' | 'running' | 'done' | 'failed';
  written: string;
  reached: Date | null;
  bytes: string | null;
  sha256: string | null;
  storage_key: string | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  expires_at: Date | null;
  attempts: number;
}

/** A job as the API shows it. */
export interface ExportJobView {
  id: string;
  status: JobRow['status'];
  format: ExportFormat;
  rows: ExportRows;
  filters: SessionFilters;
  /** Lines written so far: sessions, or operator legs with `rows=operators`. */
  written: number;
  /** 0–1 by the created time reached, when the range has both ends; else null until done. */
  progress: number | null;
  bytes: number | null;
  sha256: string | null;
  error: string | null;
  created: string;
  started: string | null;
  finished: string | null;
  expires: string | null;
}

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function progressOf(row: JobRow): number | null {
  if (row.status === 'done') return 1;
  if (row.status === 'queued') return 0;
  const from = row.params.filters.createdFrom;
  const to = row.params.filters.createdTo;
  if (!from || !to) return null;
  if (!row.reached) return 0;
  const start = Date.parse(from);
  const span = Date.parse(to) - start;
  if (!(span > 0)) return null;
  return Math.min(1, Math.max(0, (row.reached.getTime() - start) / span));
}

function view(row: JobRow): ExportJobView {
  return {
    id: row.id,
    status: row.status,
    format: row.params.format,
    rows: row.params.rows,
    filters: row.params.filters,
    written: Number(row.written),
    progress: progressOf(row),
    bytes: row.bytes === null ? null : Number(row.bytes),
    sha256: row.sha256,
    error: row.error,
    created: row.created_at.toISOString(),
    started: iso(row.started_at),
    finished: iso(row.finished_at),
    expires: iso(row.expires_at),
  };
}

export async function createExportJob(
  db: Db,
  tenantId: string,
  params: ExportJobParams,
): Promise<ExportJobView> {
  // The filters are checked now (a bad instant is the caller's 400), not when the job runs.
  sessionWhere(tenantId, params.filters);
  const result = await db.query<JobRow>(
    'INSERT INTO export_jobs (id, tenant_id, params) VALUES ($1, $2, $3) RETURNING *',
    [randomUUID(), tenantId, JSON.stringify(params)],
  );
  return view(result.rows[0]);
}

async function jobRow(db: Db, tenantId: string, id: string): Promise<JobRow> {
  const result = await db.query<JobRow>('SELECT * FROM export_jobs WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ]);
  const row = result.rows[0];
  if (!row) throw new AppError('not_found', `export job '${id}' not found (or expired)`);
  return row;
}

export async function exportJob(db: Db, tenantId: string, id: string): Promise<ExportJobView> {
  return view(await jobRow(db, tenantId, id));
}

/** The tenant's jobs, newest first (at most 100: jobs expire a day after they finish). */
export async function exportJobs(db: Db, tenantId: string): Promise<ExportJobView[]> {
  const result = await db.query<JobRow>(
    'SELECT * FROM export_jobs WHERE tenant_id = $1 ORDER BY created_at DESC, id LIMIT 100',
    [tenantId],
  );
  return result.rows.map(view);
}

/** Cancels a job or deletes a finished one with its file. A running export stops at its next batch. */
export async function deleteExportJob(db: Db, blobs: BlobStore, tenantId: string, id: string): Promise<void> {
  const result = await db.query<{ storage_key: string | null }>(
    'DELETE FROM export_jobs WHERE tenant_id = $1 AND id = $2 RETURNING storage_key',
    [tenantId, id],
  );
  if (result.rowCount === 0) throw new AppError('not_found', `export job '${id}' not found (or expired)`);
  const key = result.rows[0].storage_key;
  if (key) await blobs.remove(key);
}

/** The finished file of a job, with what a download needs. 409 while the job is not done. */
export async function exportFile(
  db: Db,
  tenantId: string,
  id: string,
): Promise<{ key: string; bytes: number; sha256: string; format: ExportFormat; created: Date }> {
  const row = await jobRow(db, tenantId, id);
  if (row.status !== 'done' || !row.storage_key) {
    throw new AppError(
      'conflict',
      row.status === 'failed'
        ? `export job '${id}' failed: ${row.error ?? 'unknown error'}`
        : `export job '${id}' is ${row.status}; download it once its status is done`,
      { status: row.status },
    );
  }
  return {
    key: row.storage_key,
    bytes: Number(row.bytes),
    sha256: row.sha256!,
    format: row.params.format,
    created: row.created_at,
  };
}

/** Thrown inside a running export whose job was deleted meanwhile. */
class Cancelled extends Error {}

export interface ExportRunner {
  /** Look for work now (a job was just queued here). */
  kick(): void;
  stop(): Promise<void>;
}

export function startExportRunner(options: {
  db: Db;
  blobs: BlobStore;
  /** The clock running durations of open sessions are computed against (one instant per job). */
  now: () => number;
  onError: (error: unknown) => void;
  pollMs?: number;
}): ExportRunner {
  const { db, blobs } = options;
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  async function claim(): Promise<JobRow | null> {
    const result = await db.query<JobRow>(
      `UPDATE export_jobs SET status = 'running', started_at = now(), written = 0, reached = NULL,
              attempts = attempts + 1, lease_until = now() + $1::double precision * interval '1 millisecond'
        WHERE id = (SELECT id FROM export_jobs
                     WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
                     ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
        RETURNING *`,
      [LEASE_MS],
    );
    return result.rows[0] ?? null;
  }

  async function finish(job: JobRow, fields: string, values: unknown[]): Promise<boolean> {
    const result = await db.query(
      `UPDATE export_jobs SET ${fields}, finished_at = now(), lease_until = NULL,
              expires_at = now() + ${EXPORT_TTL_MS} * interval '1 millisecond'
        WHERE id = $1 AND status = 'running' AND attempts = $2`,
      [job.id, job.attempts, ...values],
    );
    return result.rowCount === 1;
  }

  async function run(job: JobRow): Promise<void> {
    if (job.attempts > MAX_ATTEMPTS) {
      await finish(job, `status = 'failed', error = $3`, [
        `the export was interrupted ${MAX_ATTEMPTS} times (its server stopped); start a new one`,
      ]);
      return;
    }
    const key = `exports/${job.id}.${randomBytes(6).toString('hex')}.${job.params.format}`;
    let written = 0;
    let reported = performance.now();
    try {
      const chunks = await exportChunks(db, {
        tenantId: job.tenant_id,
        ...job.params,
        now: options.now(),
        onBatch: async (lines, reached) => {
          written += lines;
          if (stopped) throw new Cancelled();
          if (performance.now() - reported < 1_000) return;
          reported = performance.now();
          const renewed = await db.query(
            `UPDATE export_jobs SET written = $3, reached = $4, lease_until = now() + $5::double precision * interval '1 millisecond'
              WHERE id = $1 AND status = 'running' AND attempts = $2`,
            [job.id, job.attempts, written, reached, LEASE_MS],
          );
          if (renewed.rowCount === 0) throw new Cancelled();
        },
      });
      const stored = await blobs.put(
        key,
        Readable.from(chunks, { highWaterMark: EXPORT_READ_AHEAD }),
        Number.MAX_SAFE_INTEGER,
      );
      const done = await finish(
        job,
        `status = 'done', written = $3, bytes = $4, sha256 = $5, storage_key = $6, reached = NULL`,
        [written, stored.size, stored.sha256, key],
      );
      // Deleted (or taken over) while it was being written: the file is nobody's.
      if (!done) await blobs.remove(key);
    } catch (error) {
      await blobs.remove(key).catch(() => undefined);
      if (error instanceof Cancelled || stopped) return;
      await finish(job, `status = 'failed', error = $3`, [
        error instanceof AppError ? error.message : 'the export failed; see the server log',
      ]);
      options.onError(error);
    }
  }

  async function sweep(): Promise<void> {
    const expired = await db.query<{ storage_key: string | null }>(
      'DELETE FROM export_jobs WHERE expires_at < now() RETURNING storage_key',
    );
    for (const row of expired.rows) if (row.storage_key) await blobs.remove(row.storage_key);
  }

  async function drain(): Promise<void> {
    do {
      again = false;
      await sweep();
      for (let job = await claim(); job && !stopped; job = stopped ? null : await claim()) await run(job);
    } while (again && !stopped);
  }

  function tick(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => options.onError(error))
      .finally(() => {
        running = null;
      });
  }

  const timer = setInterval(tick, options.pollMs ?? POLL_MS);
  timer.unref();
  return {
    kick: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
