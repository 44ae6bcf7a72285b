/**
 * Intake against its baseline, back to back on the same database: the simulator's batches posted to
 * `POST /v1/events` of the real server (a fresh tenant), then the very same rows inserted raw, one row per
 * event, into `bench_raw_events` (another fresh tenant; the plain layout an event log starts with: a row per
 * event keyed by (tenant, id), indexed by session) by one batched `INSERT … SELECT … FROM jsonb_to_recordset(…)` per batch (the intake's own
 * statement shape), their canonical text and hash
 * prepared before the clock starts — the baseline does only what a raw insert does. Both tenants are deleted
 * afterwards and the tables vacuumed, so the dataset stays as it was loaded.
 */
import { storedEvent } from '../src/events/service.js';
import { createTenant } from '../src/tenants/repository.js';
import type { Db } from '../src/db/store.js';
import type { Dataset } from './dataset.js';
import type { Loadgen, RunningServer } from './procs.js';
import { batches, type Workload } from './workload.js';

export interface IntakeRatio {
  events: number;
  batches: number;
  intakeRate: number;
  rawRate: number;
}

/** A fresh tenant through the admin API of a running server; returns its id and secret. */
export async function adminTenant(base: string, adminToken: string, name: string) {
  const response = await fetch(new URL('/v1/tenants', base), {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /v1/tenants answered ${response.status}: ${text}`);
  const created = JSON.parse(text) as { id: string; credentials: { clientSecret: string } };
  return { id: created.id, secret: created.credentials.clientSecret };
}

/** Deletes tenants with everything they own, then vacuums so that the space is reused. */
export async function dropTenants(db: Db, ids: string[]): Promise<void> {
  await db.query('DELETE FROM tenants WHERE id = ANY($1::text[])', [ids]);
  await db.query('VACUUM session_events, sessions');
  if (db.kind === 'embedded') await db.query('CHECKPOINT');
}

export async function intakeVsRaw(options: {
  server: RunningServer;
  adminToken: string;
  loadgen: Loadgen;
  dataset: Dataset;
  workload: Workload;
  log: (line: string) => void;
}): Promise<IntakeRatio> {
  const { server, loadgen, dataset, workload, log } = options;
  const tenant = await adminTenant(server.url, options.adminToken, 'bench-intake');
  // Both sides first write a few sessions untimed (other ones), so that each meets warm caches.
  const warm: Workload = {
    ...workload,
    seed: workload.seed + 1,
    sessions: Math.max(20, Math.ceil(workload.sessions / 10)),
  };
  const intake = await loadgen.intake({
    url: server.url,
    authorization: `Bearer ${tenant.secret}`,
    workload,
    warm,
  });
  const intakeRate = intake.events / intake.seconds;
  log(`  intake: ${intake.events} events in ${intake.batches} batches, ${intakeRate.toFixed(0)} events/s`);
  // The embedded store admits one process: the baseline runs once the server is gone (on both stores alike).
  await options.server.stop();

  const store = await dataset.open();
  try {
    await store.db.query(`CREATE TABLE IF NOT EXISTS bench_raw_events (
      tenant_id    text NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      id           text NOT NULL,
      session_id   text NOT NULL,
      type         text NOT NULL,
      at           timestamptz NOT NULL,
      body         jsonb NOT NULL,
      content_hash text NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (tenant_id, id)
    )`);
    await store.db.query(
      'CREATE INDEX IF NOT EXISTS bench_raw_events_session ON bench_raw_events (tenant_id, session_id)',
    );
    const raw = await store.db.tx((q) => createTenant(q, { name: 'bench-raw' }));
    // The same statement shape as the intake's own insert (one JSON parameter per batch), its text made
    // before the clock starts.
    const rows = (w: Workload) =>
      [...batches(w)].map(({ events }) => [
        raw.id,
        JSON.stringify(
          events.map(storedEvent).map((e) => ({
            id: e.event.id,
            session_id: e.event.sessionId,
            type: e.event.type,
            at: e.event.at,
            hash: e.hash,
            body: e.event,
          })),
        ),
      ]);
    const insert = (params: unknown[]) =>
      store.db.query(
        `INSERT INTO bench_raw_events (tenant_id, id, session_id, type, at, body, content_hash)
         SELECT $1, e.id, e.session_id, e.type, e.at, e.body, e.hash
           FROM jsonb_to_recordset($2::jsonb) AS e(id text, session_id text, type text, at timestamptz, hash text, body jsonb)`,
        params,
      );
    for (const params of rows(warm)) await insert(params);
    const prepared = rows(workload);
    let inserted = 0;
    const started = performance.now();
    for (const params of prepared) inserted += (await insert(params)).rowCount ?? 0;
    const rawRate = inserted / ((performance.now() - started) / 1000);
    log(
      `  raw INSERT: ${inserted} rows, ${rawRate.toFixed(0)} rows/s; intake is ${((100 * intakeRate) / rawRate).toFixed(0)} % of it`,
    );
    await dropTenants(store.db, [tenant.id, raw.id]);
    return { events: intake.events, batches: intake.batches, intakeRate, rawRate };
  } finally {
    await store.close();
  }
}
