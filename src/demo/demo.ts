/**
 * The live demo behind `npm start`: a demo tenant, seven days of simulated history on first start, then the
 * simulation running live at a human pace (a new session every few seconds, events at their real times).
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../db/store.js';
import type { SessionEvent } from '../domain/events.js';
import { ingest, type IngestObserver } from '../events/service.js';
import { addClient, createTenant, tenantByName } from '../tenants/repository.js';
import { defaultModel } from '../simulator/model.js';
import { rng, simulate, simulateSession } from '../simulator/simulate.js';
import { busySpans, operatorStateEvents, type Busy, type SimState } from '../simulator/shifts.js';

export const DEMO_TENANT = 'demo';

export interface DemoCredentials {
  tenantId: string;
  departmentId: number;
  clientId: string;
  clientSecret: string;
}

/**
 * The demo tenant and a usable client. Its secret is kept in `<dataDir>/demo-credentials.json` (mode 0600) so
 * it can be printed at every start; if that file is lost, a fresh client is added.
 */
export async function ensureDemoTenant(db: Db, dataDir: string): Promise<DemoCredentials> {
  const file = join(dataDir, 'demo-credentials.json');
  const tenant = await tenantByName(db, DEMO_TENANT);
  if (tenant && existsSync(file)) {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as DemoCredentials;
    if (saved.tenantId === tenant.id) return saved;
  }
  let credentials: DemoCredentials;
  if (tenant) {
    const client = await addClient(db, tenant.id);
    credentials = { tenantId: tenant.id, departmentId: tenant.departmentId, ...client };
  } else {
    const created = await db.tx((q) => createTenant(q, { name: DEMO_TENANT }));
    credentials = { tenantId: created.id, departmentId: created.departmentId, ...created.credentials };
  }
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(credentials, null, 2), { mode: 0o600 });
  return credentials;
}

/** Backfills `days` of history when the tenant has no sessions yet; returns the number of sessions written. */
export async function backfill(
  db: Db,
  tenantId: string,
  options: { days: number; sessions: number; now: number },
): Promise<number> {
  const existing = await db.query('SELECT 1 FROM sessions WHERE tenant_id = $1 LIMIT 1', [tenantId]);
  if (existing.rowCount) return 0;
  let batch: SessionEvent[] = [];
  let count = 0;
  const busy: Busy[] = [];
  const start = options.now - options.days * 86_400_000;
  // Only events already in the past are written; a session still running at `now` stays open.
  for (const events of simulate({
    seed: 42,
    sessions: options.sessions,
    start,
    end: options.now,
  })) {
    const past = events.filter((e) => Date.parse(e.at) <= options.now);
    batch.push(...past);
    busy.push(...busySpans(past));
    count++;
    if (batch.length >= 5_000) {
      await ingest(db, tenantId, batch);
      batch = [];
    }
  }
  if (batch.length > 0) await ingest(db, tenantId, batch);
  // The operators' shifts, breaks and calls as operator.state events (src/simulator/shifts.ts).
  const states = operatorStateEvents(defaultModel, busy, start, options.now + 1);
  for (let i = 0; i < states.length; i += 5_000) await ingest(db, tenantId, states.slice(i, i + 5_000));
  return count;
}

export interface LiveDemo {
  stop(): void;
}

/**
 * Runs the simulation live: a new session arrives on average every `meanGapMs`, and each of its events is
 * ingested when its time comes (checked every second).
 */
export function runLive(
  db: Db,
  tenantId: string,
  options: { meanGapMs: number; onError: (error: unknown) => void; observer?: IngestObserver },
): LiveDemo {
  const r = rng(Date.now() & 0x7fffffff);
  const pending: (SessionEvent | ReturnType<typeof operatorStateEvents>[number])[] = [];
  let nextArrival = Date.now();
  // Operator states follow the shifts and the live sessions' operators, from the first tick on.
  let spans: Busy[] = [];
  const lastState = new Map<string, SimState>();
  let statesUpTo = Date.now();
  let index = 1_000_000;
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    const now = Date.now();
    while (nextArrival <= now) {
      const events = simulateSession(r, defaultModel, index++, nextArrival);
      pending.push(...events);
      spans.push(...busySpans(events));
      nextArrival += -Math.log(1 - r()) * options.meanGapMs;
    }
    pending.push(...operatorStateEvents(defaultModel, spans, statesUpTo, now + 1, lastState));
    statesUpTo = now + 1;
    spans = spans.filter((b) => (b.concluded ?? b.joined + 6 * 3_600_000) > now - 3_600_000);
    const due = pending.filter((e) => Date.parse(e.at) <= now);
    if (due.length === 0) return;
    const dueIds = new Set(due.map((e) => e.id));
    busy = true;
    ingest(db, tenantId, due, options.observer)
      .then(() => {
        for (let i = pending.length - 1; i >= 0; i--) if (dueIds.has(pending[i].id)) pending.splice(i, 1);
      })
      .catch(options.onError)
      .finally(() => {
        busy = false;
      });
  }, 1_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/** The banner's dashboard lines: where it is and how to sign in to the demo (docs/dashboard.md). */
export function dashboardBanner(
  url: string,
  demo: Pick<DemoCredentials, 'clientId' | 'clientSecret'>,
): string[] {
  return [
    `Dashboard: ${url}/  — sign in with the demo client:`,
    `  Client id:     ${demo.clientId}`,
    `  Client secret: ${demo.clientSecret}`,
  ];
}
