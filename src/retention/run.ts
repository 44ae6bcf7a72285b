/**
 * The retention run: for every tenant with a policy, delete what is older than its deletion age, anonymise
 * what is older than its anonymisation age, prune finished webhook deliveries. Work goes in batches, each its
 * own transaction, found through indexes (no scan of a tenant's history). One server at a time runs it: a
 * lease row, renewed between batches, keeps a second server out while the first is alive.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Queryable } from '../db/store.js';
import type { BlobStore } from '../files/blobs.js';
import { anonymizeSession } from '../sessions/operations.js';
import { activePolicies } from './policy.js';
import { purgeSessions } from './purge.js';

const DAY = 86_400_000;
const LEASE = 'retention';

export interface RetentionOptions {
  now?: () => number;
  /** Sessions or deliveries a transaction (default 500). */
  batch?: number;
  /** How long the lease lasts without renewal (default 10 minutes). */
  leaseMs?: number;
  /** Who holds the lease (default a random id for this process). */
  holder?: string;
}

export interface TenantReport {
  tenantId: string;
  deleted: number;
  anonymized: number;
  deliveriesPruned: number;
}

export type RetentionReport = { ran: false; heldBy: string } | { ran: true; tenants: TenantReport[] };

const PROCESS_HOLDER = `${process.pid}-${randomUUID()}`;

/** Takes or renews the lease; answers who holds it after the attempt. */
async function lease(q: Queryable, holder: string, now: number, leaseMs: number): Promise<string> {
  const taken = await q.query<{ holder: string }>(
    `INSERT INTO job_leases (name, holder, until) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET holder = $2, until = $3
       WHERE job_leases.until < $4 OR job_leases.holder = $2
     RETURNING holder`,
    [LEASE, holder, new Date(now + leaseMs), new Date(now)],
  );
  if (taken.rows[0]) return holder;
  const current = await q.query<{ holder: string }>('SELECT holder FROM job_leases WHERE name = $1', [LEASE]);
  return current.rows[0]?.holder ?? holder;
}

export async function runRetention(
  db: Db,
  blobs: BlobStore,
  options: RetentionOptions = {},
): Promise<RetentionReport> {
  const now = options.now ?? Date.now;
  const batch = options.batch ?? 500;
  const leaseMs = options.leaseMs ?? 10 * 60_000;
  const holder = options.holder ?? PROCESS_HOLDER;
  const held = await lease(db, holder, now(), leaseMs);
  if (held !== holder) return { ran: false, heldBy: held };
  const renew = async () => {
    if ((await lease(db, holder, now(), leaseMs)) !== holder)
      throw new Error('retention lease lost to another server');
  };
  try {
    const tenants: TenantReport[] = [];
    for (const policy of await activePolicies(db)) {
      const report: TenantReport = {
        tenantId: policy.tenantId,
        deleted: 0,
        anonymized: 0,
        deliveriesPruned: 0,
      };
      if (policy.deleteAfterDays !== null) {
        const cutoff = new Date(now() - policy.deleteAfterDays * DAY);
        for (;;) {
          const { count, keys } = await db.tx(async (q) => {
            const ids = await q.query<{ session_id: string }>(
              // The oldest, locked in session id order, as intake locks rows (src/events/repository.ts).
              `SELECT session_id FROM sessions
                WHERE tenant_id = $1 AND created < $2 AND session_id IN (
                      SELECT session_id FROM sessions WHERE tenant_id = $1 AND created < $2
                       ORDER BY created, id LIMIT $3)
                ORDER BY session_id FOR UPDATE`,
              [policy.tenantId, cutoff, batch],
            );
            const purged = await purgeSessions(
              q,
              policy.tenantId,
              ids.rows.map((r) => r.session_id),
              'keep',
            );
            return { count: purged.sessions, keys: purged.blobKeys };
          });
          for (const key of keys) await blobs.remove(key);
          report.deleted += count;
          await renew();
          if (count < batch) break;
        }
      }
      if (policy.anonymizeAfterDays !== null) {
        const cutoff = now() - policy.anonymizeAfterDays * DAY;
        let from = policy.anonymizedThrough ?? 0;
        for (;;) {
          const due = await db.query<{ session_id: string; created: Date }>(
            `SELECT session_id, created FROM sessions
              WHERE tenant_id = $1 AND created >= $2 AND created < $3 AND doc ->> 'anonymized' IS NULL
              ORDER BY created, id LIMIT $4`,
            [policy.tenantId, new Date(from), new Date(cutoff), batch],
          );
          for (const row of due.rows) {
            await anonymizeSession(db, policy.tenantId, row.session_id, now());
            report.anonymized++;
          }
          if (due.rows.length < batch) break;
          from = due.rows.at(-1)!.created.getTime();
          await db.query('UPDATE retention_policies SET anonymized_through = $2 WHERE tenant_id = $1', [
            policy.tenantId,
            new Date(from),
          ]);
          await renew();
        }
        await db.query('UPDATE retention_policies SET anonymized_through = $2 WHERE tenant_id = $1', [
          policy.tenantId,
          new Date(cutoff),
        ]);
      }
      if (policy.webhookLogDays !== null) {
        const cutoff = new Date(now() - policy.webhookLogDays * DAY);
        for (;;) {
          const pruned = await db.query(
            `DELETE FROM webhook_deliveries WHERE id IN (
               SELECT id FROM webhook_deliveries
                WHERE tenant_id = $1 AND status <> 'pending' AND created_at < $2 LIMIT $3)`,
            [policy.tenantId, cutoff, batch],
          );
          report.deliveriesPruned += pruned.rowCount ?? 0;
          if ((pruned.rowCount ?? 0) < batch) break;
          await renew();
        }
      }
      tenants.push(report);
    }
    return { ran: true, tenants };
  } finally {
    await db.query('DELETE FROM job_leases WHERE name = $1 AND holder = $2', [LEASE, holder]);
  }
}
