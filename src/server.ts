/** Starts the server: store, migrations, app, listener, maintenance, demo; and stops it gracefully. */
import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import type { ServerConfig } from './config.js';
import { lockDataDir } from './db/lock.js';
import { scheduleMaintenance } from './db/maintenance.js';
import { migrate } from './db/migrate.js';
import { openStore, type Db } from './db/store.js';
import { loadKeyring, resolveServerKey } from './security/keys.js';
import { backfill, ensureDemoTenant, runLive, type DemoCredentials } from './demo/demo.js';
import { fillDemoRecordings } from './demo/recordings.js';
import { fileBlobStore } from './files/blobs.js';
import { sweepBlobs } from './files/sweep.js';
import { startDispatcher } from './webhooks/dispatcher.js';
import { sealStoredWebhooks } from './webhooks/secrets.js';
import { runRetention } from './retention/run.js';
import { pruneChanges } from './live/changes.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Db;
  url: string;
  demo: DemoCredentials | null;
  stop(): Promise<void>;
}

/** Opens the store the config names (locking an embedded one) and applies migrations. */
export async function openConfiguredStore(
  config: Pick<ServerConfig, 'dataDir' | 'databaseUrl'> &
    Partial<Pick<ServerConfig, 'secretKey' | 'secretKeyFile' | 'secretKeyGenerate'>> & {
      statementTimeoutMs?: number;
    },
  log: (line: string) => void = (line) => console.error(line),
): Promise<{ db: Db; release: () => void }> {
  let release = () => undefined as void;
  if (!config.databaseUrl) release = lockDataDir(config.dataDir);
  try {
    const db = await openStore({
      databaseUrl: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : `${config.dataDir}/pglite`,
      // Only the server bounds its statements; the command line's long jobs (rebuild, retention) are not.
      statementTimeoutMs: config.statementTimeoutMs,
    });
    await migrate(db);
    try {
      // The server and the command line resolve the server key (src/security/keys.ts); a caller without a
      // key file setting (the benchmark's loader) keeps the key in the database, as tests do.
      if (config.secretKeyFile) {
        const key = await resolveServerKey(db, {
          env: config.secretKey,
          keyFile: config.secretKeyFile,
          store: db.kind,
          generate: config.secretKeyGenerate ?? false,
        });
        if (key.notice) log(`server key: ${key.notice}`);
      }
      // Migration 027 cannot seal in SQL what older versions stored as given: sealed here, before serving.
      const sealed = await sealStoredWebhooks(db, await loadKeyring(db));
      if (sealed > 0) log(`webhooks: sealed the stored secrets of ${sealed} webhook(s) (migration 027)`);
    } catch (error) {
      await db.close();
      throw error;
    }
    return { db, release };
  } catch (error) {
    release();
    throw error;
  }
}

export async function startServer(
  config: ServerConfig,
  log: (line: string) => void = console.log,
): Promise<RunningServer> {
  mkdirSync(config.blobDir, { recursive: true });
  const { db, release } = await openConfiguredStore(config, log);
  const blobs = fileBlobStore(config.blobDir);
  let kick = () => undefined as void;
  const app = await buildApp({
    db,
    blobs,
    adminToken: config.adminToken,
    publicUrl: config.publicUrl,
    trustProxy: config.trustProxy,
    logger: { level: config.logLevel },
    onWebhooksQueued: () => kick(),
    webhookAllow: config.webhookAllow,
    timeouts: config.timeouts,
  });
  const onError = (error: unknown) => app.log.error(error);
  const dispatcher = startDispatcher({
    db,
    keys: app.switchboard.keys,
    retryWindowMs: config.webhookRetryWindowMs,
    baseBackoffMs: config.webhookBackoffMs,
    allow: app.switchboard.webhookTargets,
    onError: (error) => log(`webhook dispatcher: ${String(error)}`),
    onAttempt: (result) => app.switchboard.metrics.delivery(result),
  });
  kick = () => dispatcher.kick();
  const stopMaintenance = scheduleMaintenance(db, config.maintenanceIntervalMs, (error) =>
    log(`maintenance failed: ${String(error)}`),
  );

  // Blobs a crash or a failed removal left behind: swept at start and daily.
  let sweeping: Promise<void> | null = null;
  const sweep = () => {
    sweeping ??= sweepBlobs(db, blobs, Date.now())
      .then((n) => {
        if (n > 0) log(`blob sweep: removed ${n} orphaned blob(s)`);
      })
      .catch((error: unknown) => log(`blob sweep failed: ${String(error)}`))
      .finally(() => (sweeping = null));
  };
  sweep();
  const sweepTimer = setInterval(sweep, 24 * 3_600_000);
  sweepTimer.unref();

  // Retention policies: applied on a schedule; with several servers the lease lets one of them run it.
  let retaining: Promise<void> | null = null;
  const retain = () => {
    retaining ??= runRetention(db, blobs)
      .then((report) => {
        if (!report.ran) return;
        for (const t of report.tenants) {
          if (t.deleted + t.anonymized + t.deliveriesPruned > 0)
            log(
              `retention: tenant ${t.tenantId}: ${t.deleted} sessions deleted, ${t.anonymized} anonymised, ${t.deliveriesPruned} webhook deliveries pruned`,
            );
        }
      })
      .catch((error: unknown) => log(`retention failed: ${String(error)}`))
      .finally(() => (retaining = null));
  };
  // The change feed keeps 24 hours for resuming streams.
  const pruneTimer = setInterval(() => {
    pruneChanges(db, Date.now()).catch((error: unknown) =>
      log(`change feed pruning failed: ${String(error)}`),
    );
  }, 10 * 60_000);
  pruneTimer.unref();
  const retentionTimer =
    config.retentionIntervalMs > 0 ? setInterval(retain, config.retentionIntervalMs) : null;
  retentionTimer?.unref();

  let demo: DemoCredentials | null = null;
  let live: { stop(): void } | null = null;
  let recordingsTimer: NodeJS.Timeout | null = null;
  if (config.demo) {
    demo = await ensureDemoTenant(db, config.dataDir);
    log('Preparing the demo: backfilling 7 days of simulated history (first start only)…');
    const written = await backfill(db, demo.tenantId, { days: 7, sessions: 3_000, now: Date.now() });
    if (written > 0) log(`  ${written} sessions written.`);
    live = runLive(db, demo.tenantId, { meanGapMs: 6_000, onError, observer: app.switchboard.observer });
    // The demo's audio recordings get bytes (a generated tone), the backfill's now and the live ones as they come.
    const tenantId = demo.tenantId;
    fillDemoRecordings(db, blobs, tenantId).catch(onError);
    let filled = new Date();
    recordingsTimer = setInterval(() => {
      const since = new Date(filled.getTime() - 60_000);
      filled = new Date();
      fillDemoRecordings(db, blobs, tenantId, since).catch(onError);
    }, 30_000);
    recordingsTimer.unref();
  }

  const address = await app.listen({ port: config.port, host: config.host });
  const url = config.publicUrl ?? address;
  let stopping: Promise<void> | null = null;
  return {
    app,
    db,
    url,
    demo,
    stop() {
      stopping ??= (async () => {
        live?.stop();
        if (recordingsTimer) clearInterval(recordingsTimer);
        stopMaintenance();
        clearInterval(sweepTimer);
        if (retentionTimer) clearInterval(retentionTimer);
        clearInterval(pruneTimer);
        await sweeping;
        await retaining;
        await dispatcher.stop();
        await app.close();
        await db.close();
        release();
      })();
      return stopping;
    },
  };
}
