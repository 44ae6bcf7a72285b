/**
 * Administration of tenants and their API clients (docs/operations.md#tenants-clients-and-roles): list,
 * read, rename, settings, delete; add, list, rotate with a grace period and revoke clients.
 */
import type { Db, Queryable } from '../db/store.js';
import type { BlobStore } from '../files/blobs.js';
import { AppError } from '../http/errors.js';
import type { Role } from '../http/access.js';
import { purgeSessions } from '../retention/purge.js';
import { loadKeyring } from '../security/keys.js';
import { hashSecret, newClientSecret } from './credentials.js';
import { addClient, type Tenant } from './repository.js';

export interface TenantSettings {
  kore: { perMinute: number | null; perHour: number | null };
}

export interface TenantRecord extends Tenant {
  createdAt: string;
  settings: TenantSettings;
}

export interface ClientRecord {
  clientId: string;
  name: string | null;
  role: Role;
  createdAt: string;
  rotatedAt: string | null;
  previousSecretExpiresAt: string | null;
  revokedAt: string | null;
}

/** A process-wide count of credential changes; the authenticators' caches drop what they hold when it moves. */
let epoch = 0;
export const credentialsEpoch = (): number => epoch;
const credentialsChanged = () => void epoch++;

interface TenantRow {
  id: string;
  name: string;
  department_id: number;
  created_at: Date | string;
  kore_per_minute: number | null;
  kore_per_hour: number | null;
}

const iso = (value: Date | string | null): string | null =>
  value === null ? null : new Date(value).toISOString();

const toRecord = (row: TenantRow): TenantRecord => ({
  id: row.id,
  name: row.name,
  departmentId: row.department_id,
  createdAt: iso(row.created_at)!,
  settings: { kore: { perMinute: row.kore_per_minute, perHour: row.kore_per_hour } },
});

const TENANT_COLUMNS = 'id, name, department_id, created_at, kore_per_minute, kore_per_hour';

/** Live tenants in id order, `limit` after the id `after` (keyset paging). */
export async function listTenants(
  db: Queryable,
  page: { limit: number; after?: string | undefined },
): Promise<{ tenants: TenantRecord[]; next: string | null }> {
  const rows = (
    await db.query<TenantRow>(
      `SELECT ${TENANT_COLUMNS} FROM tenants
        WHERE deleted_at IS NULL AND ($1::text IS NULL OR id > $1) ORDER BY id LIMIT $2`,
      [page.after ?? null, page.limit + 1],
    )
  ).rows;
  const more = rows.length > page.limit;
  const tenants = rows.slice(0, page.limit).map(toRecord);
  return { tenants, next: more ? tenants[tenants.length - 1].id : null };
}

export async function getTenant(db: Queryable, tenantId: string): Promise<TenantRecord> {
  const row = (
    await db.query<TenantRow>(`SELECT ${TENANT_COLUMNS} FROM tenants WHERE id = $1 AND deleted_at IS NULL`, [
      tenantId,
    ])
  ).rows[0];
  if (!row) throw new AppError('not_found', `tenant ${tenantId} not found`);
  return toRecord(row);
}

export interface TenantChange {
  name?: string | undefined;
  settings?: { kore?: { perMinute?: number | null; perHour?: number | null } } | undefined;
}

/** Renames a tenant or changes its settings; what the change leaves out stays as it was. */
export async function updateTenant(
  db: Queryable,
  tenantId: string,
  change: TenantChange,
): Promise<TenantRecord> {
  const kore = change.settings?.kore;
  const row = (
    await db.query<TenantRow>(
      `UPDATE tenants SET
          name = COALESCE($2, name),
          kore_per_minute = CASE WHEN $3 THEN $4::integer ELSE kore_per_minute END,
          kore_per_hour = CASE WHEN $5 THEN $6::integer ELSE kore_per_hour END
        WHERE id = $1 AND deleted_at IS NULL
        RETURNING ${TENANT_COLUMNS}`,
      [
        tenantId,
        change.name ?? null,
        kore !== undefined && 'perMinute' in kore,
        kore?.perMinute ?? null,
        kore !== undefined && 'perHour' in kore,
        kore?.perHour ?? null,
      ],
    )
  ).rows[0];
  if (!row) throw new AppError('not_found', `tenant ${tenantId} not found`);
  return toRecord(row);
}

interface ClientRow {
  client_id: string;
  name: string | null;
  role: Role;
  created_at: Date | string;
  rotated_at: Date | string | null;
  previous_expires_at: Date | string | null;
  revoked_at: Date | string | null;
}

const toClient = (row: ClientRow): ClientRecord => ({
  clientId: row.client_id,
  name: row.name,
  role: row.role,
  createdAt: iso(row.created_at)!,
  rotatedAt: iso(row.rotated_at),
  previousSecretExpiresAt: iso(row.previous_expires_at),
  revokedAt: iso(row.revoked_at),
});

const CLIENT_COLUMNS = 'client_id, name, role, created_at, rotated_at, previous_expires_at, revoked_at';

/** A tenant's clients, revoked ones included (with `revokedAt`), oldest first. */
export async function listClients(db: Queryable, tenantId: string): Promise<ClientRecord[]> {
  await getTenant(db, tenantId);
  const rows = await db.query<ClientRow>(
    `SELECT ${CLIENT_COLUMNS} FROM api_clients WHERE tenant_id = $1 ORDER BY created_at, client_id`,
    [tenantId],
  );
  return rows.rows.map(toClient);
}

export async function createClient(
  db: Queryable,
  tenantId: string,
  input: { role: Role; name?: string | undefined },
): Promise<ClientRecord & { clientSecret: string }> {
  await getTenant(db, tenantId);
  const { clientId, clientSecret } = await addClient(db, tenantId, input.role, input.name ?? null);
  const row = (
    await db.query<ClientRow>(`SELECT ${CLIENT_COLUMNS} FROM api_clients WHERE client_id = $1`, [clientId])
  ).rows[0];
  return { ...toClient(row), clientSecret };
}

/** The active client of this tenant, locked for a change; a revoked or foreign one is not found. */
async function activeClient(q: Queryable, tenantId: string, clientId: string): Promise<ClientRow> {
  const row = (
    await q.query<ClientRow>(
      `SELECT ${CLIENT_COLUMNS} FROM api_clients
        WHERE tenant_id = $1 AND client_id = $2 AND revoked_at IS NULL FOR UPDATE`,
      [tenantId, clientId],
    )
  ).rows[0];
  if (!row) throw new AppError('not_found', `client ${clientId} not found`);
  return row;
}

/**
 * Gives a client a new secret. The one it replaces keeps working for `graceSeconds` (0: not at all), so the
 * integrations holding it can be moved over; rotating again within a grace period ends that grace at once.
 */
export async function rotateClient(
  db: Db,
  tenantId: string,
  clientId: string,
  graceSeconds: number,
  now: number,
): Promise<ClientRecord & { clientSecret: string }> {
  const clientSecret = newClientSecret();
  const keys = await loadKeyring(db);
  const row = await db.tx(async (q) => {
    await getTenant(q, tenantId);
    await activeClient(q, tenantId, clientId);
    return (
      await q.query<ClientRow>(
        `UPDATE api_clients SET
            previous_secret_hash = secret_hash, previous_secret_sealed = secret_sealed,
            previous_expires_at = $3, secret_hash = $4, secret_sealed = $5, rotated_at = $6
          WHERE client_id = $1 AND tenant_id = $2
          RETURNING ${CLIENT_COLUMNS}`,
        [
          clientId,
          tenantId,
          new Date(now + graceSeconds * 1000),
          hashSecret(clientSecret),
          keys.seal(clientSecret),
          new Date(now),
        ],
      )
    ).rows[0];
  });
  credentialsChanged();
  return { ...toClient(row), clientSecret };
}

/**
 * Revokes a client: every dialect refuses it from now on (cached answers on other servers within 30 s), its
 * dashboard and Evo cookie sessions end. `keepAnAdmin` refuses to revoke the tenant's last admin client
 * (a tenant admin would lock the tenant out of its own administration).
 */
export async function revokeClient(
  db: Db,
  tenantId: string,
  clientId: string,
  options: { keepAnAdmin: boolean; now: number },
): Promise<void> {
  await db.tx(async (q) => {
    await getTenant(q, tenantId);
    const client = await activeClient(q, tenantId, clientId);
    if (options.keepAnAdmin && client.role === 'admin') {
      const admins = await q.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM api_clients WHERE tenant_id = $1 AND role = 'admin' AND revoked_at IS NULL`,
        [tenantId],
      );
      if (admins.rows[0].n <= 1)
        throw new AppError(
          'conflict',
          `client ${clientId} is the tenant's last admin client: add another admin client before revoking it`,
        );
    }
    const at = new Date(options.now);
    await q.query('UPDATE api_clients SET revoked_at = $2 WHERE client_id = $1', [clientId, at]);
    await q.query('DELETE FROM dashboard_sessions WHERE client_id = $1', [clientId]);
    await q.query(
      'UPDATE evo_auth_sessions SET revoked_at = $2 WHERE client_id = $1 AND revoked_at IS NULL',
      [clientId, at],
    );
  });
  credentialsChanged();
}

const DELETE_BATCH = 1000;

/**
 * Deletes a tenant and everything it holds: its clients are revoked at once (the tenant disappears from
 * every API in the same transaction), then its sessions, events, files and their bytes go in batches of
 * 1,000 sessions, then the tenant row with the rest (rollups, webhooks, settings, jobs) by cascade. A
 * deletion cut short leaves the tenant marked deleted; deleting it again finishes the job.
 */
export async function deleteTenant(
  db: Db,
  blobs: BlobStore,
  tenantId: string,
): Promise<{ sessions: number; files: number }> {
  const marked = await db.tx(async (q) => {
    const row = await q.query(
      'UPDATE tenants SET deleted_at = COALESCE(deleted_at, now()) WHERE id = $1 RETURNING id',
      [tenantId],
    );
    if (row.rowCount === 0) return false;
    await q.query('UPDATE api_clients SET revoked_at = COALESCE(revoked_at, now()) WHERE tenant_id = $1', [
      tenantId,
    ]);
    await q.query('DELETE FROM dashboard_sessions WHERE tenant_id = $1', [tenantId]);
    return true;
  });
  if (!marked) throw new AppError('not_found', `tenant ${tenantId} not found`);
  credentialsChanged();
  const removed = { sessions: 0, files: 0 };
  for (;;) {
    const { count, keys } = await db.tx(async (q) => {
      const ids = await q.query<{ session_id: string }>(
        'SELECT session_id FROM sessions WHERE tenant_id = $1 LIMIT $2',
        [tenantId, DELETE_BATCH],
      );
      const purged = await purgeSessions(
        q,
        tenantId,
        ids.rows.map((r) => r.session_id),
        'ignore',
      );
      return { count: ids.rows.length, keys: purged.blobKeys };
    });
    for (const key of keys) await blobs.remove(key);
    removed.sessions += count;
    removed.files += keys.length;
    if (count < DELETE_BATCH) break;
  }
  const leftovers = await db.tx(async (q) => {
    // Files of events whose session row is gone, and finished exports: their bytes too.
    const files = await q.query<{ storage_key: string }>(
      'DELETE FROM files WHERE tenant_id = $1 RETURNING storage_key',
      [tenantId],
    );
    const exports = await q.query<{ storage_key: string | null }>(
      'SELECT storage_key FROM export_jobs WHERE tenant_id = $1 AND storage_key IS NOT NULL',
      [tenantId],
    );
    await q.query('DELETE FROM tenants WHERE id = $1', [tenantId]);
    return [...files.rows, ...exports.rows].map((r) => r.storage_key!);
  });
  for (const key of leftovers) await blobs.remove(key);
  removed.files += leftovers.length;
  return removed;
}
