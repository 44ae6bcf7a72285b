/** SQL of tenants and API clients. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/store.js';
import { AppError } from '../http/errors.js';
import { hashSecret, newClientId, newClientSecret, secretMatches } from './credentials.js';
import { loadKeyring } from '../security/keys.js';
import type { Role } from '../http/access.js';

export interface Tenant {
  id: string;
  name: string;
  departmentId: number;
}

export interface CreatedTenant extends Tenant {
  credentials: { clientId: string; clientSecret: string };
}

export interface Principal {
  tenant: Tenant;
  clientId: string;
  role: Role;
}

interface TenantRow {
  id: string;
  name: string;
  department_id: number;
}

const toTenant = (row: TenantRow): Tenant => ({
  id: row.id,
  name: row.name,
  departmentId: row.department_id,
});

/**
 * Creates a tenant with one API client. `departmentId` defaults to the next free integer; a taken one is a
 * conflict. The secret is returned here once and never again.
 */
export async function createTenant(
  db: Queryable,
  input: { name: string; departmentId?: number | undefined },
): Promise<CreatedTenant> {
  const id = randomUUID();
  let row: TenantRow | undefined;
  try {
    row = (
      await db.query<TenantRow>(
        `INSERT INTO tenants (id, name, department_id)
         VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(MAX(department_id), 0) + 1 FROM tenants)))
         RETURNING id, name, department_id`,
        [id, input.name, input.departmentId ?? null],
      )
    ).rows[0];
  } catch (error) {
    if ((error as { code?: string }).code === '23505') {
      throw new AppError('conflict', `departmentId ${input.departmentId ?? '(next)'} is already taken`);
    }
    throw error;
  }
  return { ...toTenant(row), credentials: await addClient(db, id) };
}

/**
 * Adds an API client to a tenant; the secret is returned here once. Its hash authenticates the client; a
 * copy sealed under the server key lets the server verify Kore's HS256 tokens, which are signed with it.
 */
export async function addClient(
  db: Queryable,
  tenantId: string,
  role: Role = 'admin',
  name: string | null = null,
): Promise<CreatedTenant['credentials']> {
  const clientId = newClientId();
  const clientSecret = newClientSecret();
  const keys = await loadKeyring(db);
  await db.query(
    'INSERT INTO api_clients (client_id, tenant_id, secret_hash, secret_sealed, role, name) VALUES ($1, $2, $3, $4, $5, $6)',
    [clientId, tenantId, hashSecret(clientSecret), keys.seal(clientSecret), role, name],
  );
  return { clientId, clientSecret };
}

/**
 * The sealed secrets of an active client: the current one, and the one it replaced while its grace period
 * lasts (null for clients created before sealing existed).
 */
export async function sealedSecret(
  db: Queryable,
  clientId: string,
): Promise<{ principal: Principal; sealed: string | null; previous: string | null } | null> {
  const row = (
    await db.query<PrincipalRow & { secret_sealed: string | null; previous_sealed: string | null }>(
      `${PRINCIPAL_SQL} c.client_id = $1`,
      [clientId],
    )
  ).rows[0];
  return row
    ? { principal: principalOf(row), sealed: row.secret_sealed, previous: row.previous_sealed }
    : null;
}

interface PrincipalRow extends TenantRow {
  client_id: string;
  secret_hash: string;
  previous_hash: string | null;
  role: Role;
}

/** Active clients of live tenants; the previous secret only while its grace period lasts. */
const PRINCIPAL_SQL = `SELECT t.id, t.name, t.department_id, c.client_id, c.secret_hash, c.role, c.secret_sealed,
    CASE WHEN c.previous_expires_at > now() THEN c.previous_secret_hash END AS previous_hash,
    CASE WHEN c.previous_expires_at > now() THEN c.previous_secret_sealed END AS previous_sealed
  FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
  WHERE c.revoked_at IS NULL AND t.deleted_at IS NULL AND `;

const principalOf = (row: PrincipalRow): Principal => ({
  tenant: toTenant(row),
  clientId: row.client_id,
  role: row.role,
});

/** The client holding this secret (or holding it until recently, within a rotation's grace), if any. */
export async function principalBySecret(db: Queryable, secret: string): Promise<Principal | null> {
  const hash = hashSecret(secret);
  const row = (
    await db.query<PrincipalRow>(
      `${PRINCIPAL_SQL} (c.secret_hash = $1 OR (c.previous_secret_hash = $1 AND c.previous_expires_at > now()))`,
      [hash],
    )
  ).rows[0];
  return row ? principalOf(row) : null;
}

/** The client by id with its stored secret hashes, for Basic authentication. */
export async function clientById(
  db: Queryable,
  clientId: string,
): Promise<(Principal & { secretHashes: string[] }) | null> {
  const row = (await db.query<PrincipalRow>(`${PRINCIPAL_SQL} c.client_id = $1`, [clientId])).rows[0];
  if (!row) return null;
  const secretHashes = row.previous_hash ? [row.secret_hash, row.previous_hash] : [row.secret_hash];
  return { ...principalOf(row), secretHashes };
}

/** The active client with this id and secret (compared in constant time), or null. */
export async function clientByCredentials(
  db: Queryable,
  clientId: string,
  secret: string,
): Promise<Principal | null> {
  if (clientId === '') return null;
  const client = await clientById(db, clientId);
  if (!client) return null;
  // Both hashes are compared, so the time taken does not tell which one matched.
  const matches = client.secretHashes.map((hash) => secretMatches(secret, hash));
  if (!matches.includes(true)) return null;
  return { tenant: client.tenant, clientId: client.clientId, role: client.role };
}

export async function tenantByName(db: Queryable, name: string): Promise<Tenant | null> {
  const row = (
    await db.query<TenantRow>(
      'SELECT id, name, department_id FROM tenants WHERE name = $1 AND deleted_at IS NULL ORDER BY created_at LIMIT 1',
      [name],
    )
  ).rows[0];
  return row ? toTenant(row) : null;
}
