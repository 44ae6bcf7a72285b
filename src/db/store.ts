/**
 * The one narrow database seam: `query(sql, params)` and `tx(fn)`. The embedded store and a PostgreSQL
 * server run the very same statements through the same driver (`pg`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface Queryable {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /**
   * Inside `tx`: tells the Db's `onChanged` listeners, once the transaction commits, that these sessions
   * changed (absent outside a transaction).
   */
  changed?(tenantId: string, sessionIds: readonly string[]): void;
}

/** Told after a commit which sessions of a tenant the transaction changed. */
export type ChangeListener = (tenantId: string, sessionIds: readonly string[]) => void;

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Runs `fn` in one transaction; rolls back when it throws. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` for every NOTIFY on `channel`, over a connection of its own (PostgreSQL only: the
   * embedded store serves one process and one connection, so it answers null and callers poll). Answers the
   * function that stops listening.
   */
  listen(channel: string, onNotify: () => void): Promise<(() => Promise<void>) | null>;
  /**
   * Calls `listener` after every commit on this Db (in this process) that changed sessions; answers the
   * function that stops it. Other servers learn of the same changes from the change feed.
   */
  onChanged(listener: ChangeListener): () => void;
  /** Connections of the pool: open, idle, and requests waiting for one (for /metrics). */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  close(): Promise<void>;
}

export interface StoreOptions {
  /** PostgreSQL connection string; when absent the embedded store is used. */
  databaseUrl?: string | undefined;
  /** Folder of the embedded store; absent = in memory (tests). */
  dataDir?: string | undefined;
  /** PostgreSQL schema to use (created if missing); tests give each run its own. */
  schema?: string | undefined;
  /** Pool size for PostgreSQL (default 10). */
  poolSize?: number;
  /**
   * Longest a statement may run, in ms; 0 or absent = unbounded. PostgreSQL enforces it itself
   * (`statement_timeout`, SQLSTATE 57014). PGlite cannot interrupt a running statement (it runs to the end
   * inside WebAssembly, deaf to signals), so the embedded store stops its worker thread and reopens the data
   * directory instead; an in-memory embedded store (tests) would lose its data that way and is not bounded.
   */
  statementTimeoutMs?: number | undefined;
}

/** SQLSTATE of a statement cancelled for running too long (PostgreSQL's query_canceled). */
export const STATEMENT_TIMEOUT = '57014';

/** A statement the embedded store stopped because it ran longer than its bound. */
export class StatementTimeoutError extends Error {
  readonly code = STATEMENT_TIMEOUT;
  constructor(ms: number) {
    super(`canceling statement due to statement timeout (${ms} ms)`);
  }
}

const unboundedWork = new AsyncLocalStorage<true>();

/**
 * Runs `fn` with no statement bound on the embedded store (maintenance, migrations). On PostgreSQL a
 * transaction lifts it itself with `SET LOCAL statement_timeout = 0`.
 */
export function unbounded<T>(fn: () => Promise<T>): Promise<T> {
  return unboundedWork.run(true, fn);
}

// Counts and sums come back as int8/numeric; they are safe as JS numbers for our ranges.
pg.types.setTypeParser(20, (v) => Number(v));

function wrap(pool: pg.Pool, kind: Db['kind'], onClose: () => Promise<void>, listener?: () => pg.Client): Db {
  const changeListeners = new Set<ChangeListener>();
  return {
    kind,
    onChanged(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    async listen(channel, onNotify) {
      if (!listener) return null;
      if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`bad channel name ${channel}`);
      const client = listener();
      client.on('error', () => undefined); // a lost listener: callers keep polling as a fallback
      client.on('notification', (message) => {
        if (message.channel === channel) onNotify();
      });
      await client.connect();
      await client.query(`LISTEN ${channel}`);
      return async () => {
        await client.end().catch(() => undefined);
      };
    },
    query: (sql, params) => pool.query(sql, params),
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
      max: pool.options.max,
    }),
    async tx(fn) {
      const client = await pool.connect();
      const changes: [string, readonly string[]][] = [];
      try {
        await client.query('BEGIN');
        const result = await fn({
          query: (sql, params) => client.query(sql, params),
          changed: (tenantId, sessionIds) => changes.push([tenantId, sessionIds]),
        });
        await client.query('COMMIT');
        for (const [tenantId, sessionIds] of changes)
          for (const listener of changeListeners) listener(tenantId, sessionIds);
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
      await onClose();
    },
  };
}

async function openPostgres(options: StoreOptions): Promise<Db> {
  const schema = options.schema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new Error(`bad schema name ${schema}`);
  if (schema) {
    const admin = new pg.Client({ connectionString: options.databaseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await admin.end();
    }
  }
  const settings = [
    ...(schema ? [`-c search_path=${schema}`] : []),
    ...(options.statementTimeoutMs ? [`-c statement_timeout=${Math.floor(options.statementTimeoutMs)}`] : []),
  ];
  const config = {
    connectionString: options.databaseUrl,
    ...(settings.length > 0 ? { options: settings.join(' ') } : {}),
  };
  const pool = new pg.Pool({ ...config, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined); // an idle client's error is reported on its next use
  await pool.query('SELECT 1');
  return wrap(
    pool,
    'postgres',
    () => Promise.resolve(),
    () => new pg.Client(config),
  );
}

interface EmbeddedWorker {
  worker: Worker;
  socketDir: string;
  pool: pg.Pool;
}

async function startWorker(dataDir: string | undefined): Promise<EmbeddedWorker> {
  const socketDir = mkdtempSync(join(tmpdir(), 'switchboard-'));
  const worker = new Worker(new URL('./embedded-worker.js', import.meta.url), {
    workerData: { dataDir: dataDir ?? null, socketPath: join(socketDir, '.s.PGSQL.5432') },
  });
  await new Promise<void>((resolve, reject) => {
    const onMessage = (message: { type: string; message?: string }) => {
      if (message.type === 'ready') resolve();
      else if (message.type === 'error')
        reject(new Error(`embedded store failed to open: ${message.message}`));
      worker.off('message', onMessage);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
  const pool = new pg.Pool({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 1 });
  pool.on('error', () => undefined);
  return { worker, socketDir, pool };
}

/**
 * The embedded store: one PGlite in a worker thread, one connection. Callers take turns here rather than in
 * `pg`'s pool, so that a statement over its bound can be stopped by replacing the worker (PGlite cannot be
 * interrupted) without failing the callers queued behind it: they run on the new worker.
 */
async function openEmbedded(options: StoreOptions): Promise<Db> {
  const boundMs = options.dataDir ? (options.statementTimeoutMs ?? 0) : 0;
  let current = await startWorker(options.dataDir);
  let restarting: Promise<void> | null = null;
  let closed = false;
  // One caller at a time: a query, or a transaction from connect() to release().
  let turn: Promise<void> = Promise.resolve();
  let waiting = 0;
  const takeTurn = async (): Promise<() => void> => {
    waiting++;
    const previous = turn;
    let free!: () => void;
    turn = new Promise((resolve) => (free = resolve));
    await previous;
    waiting--;
    if (restarting) await restarting;
    return free;
  };
  const heard = new WeakSet<pg.PoolClient>();
  const stopWorker = async (old: EmbeddedWorker) => {
    await old.pool.end().catch(() => undefined);
    await old.worker.terminate();
    rmSync(old.socketDir, { recursive: true, force: true });
  };
  const restart = () => {
    restarting ??= (async () => {
      const old = current;
      await old.worker.terminate();
      void old.pool.end().catch(() => undefined);
      rmSync(old.socketDir, { recursive: true, force: true });
      if (!closed) current = await startWorker(options.dataDir);
    })().finally(() => (restarting = null));
    return restarting;
  };
  /** Runs one statement under the bound: past it, the worker is replaced and the statement fails. */
  const bounded = async <R>(statement: () => Promise<R>): Promise<R> => {
    if (boundMs <= 0 || unboundedWork.getStore()) return statement();
    let expired = false;
    const timer = setTimeout(() => {
      expired = true;
      void restart();
    }, boundMs);
    try {
      return await statement();
    } catch (error) {
      if (expired) throw new StatementTimeoutError(boundMs);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  const pool = {
    async query(sql: string, params?: unknown[]) {
      const free = await takeTurn();
      try {
        const pool = current.pool;
        return await bounded(() => pool.query(sql, params));
      } finally {
        free();
      }
    },
    async connect() {
      const free = await takeTurn();
      let client: pg.PoolClient;
      try {
        client = await current.pool.connect();
      } catch (error) {
        free();
        throw error;
      }
      // A worker replaced mid-transaction ends this connection: its statement fails, and the client's
      // own 'error' event must not go unheard (it would end the process).
      if (!heard.has(client)) {
        heard.add(client);
        client.on('error', () => undefined);
      }
      let released = false;
      return {
        query: (sql: string, params?: unknown[]) => bounded(() => client.query(sql, params)),
        release(error?: Error | boolean) {
          if (released) return;
          released = true;
          client.release(error);
          free();
        },
      };
    },
    get totalCount() {
      return current.pool.totalCount;
    },
    get idleCount() {
      return current.pool.idleCount;
    },
    get waitingCount() {
      return waiting;
    },
    options: { max: 1 },
    async end() {
      closed = true;
      if (restarting) await restarting;
    },
  };
  return wrap(pool as unknown as pg.Pool, 'embedded', async () => {
    await new Promise<void>((resolve) => {
      current.worker.once('message', () => resolve());
      current.worker.postMessage({ type: 'stop' });
    });
    await stopWorker(current);
  });
}

/** Opens the store the options name: PostgreSQL when `databaseUrl` is set, else the embedded PGlite. */
export function openStore(options: StoreOptions): Promise<Db> {
  return options.databaseUrl ? openPostgres(options) : openEmbedded(options);
}
