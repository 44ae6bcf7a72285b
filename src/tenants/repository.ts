/** SQL of tenants and API clients. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/store.js';
import { AppError } from '../http/errors.js';
import { hashSecret, newClientId, newClientSecret, secretMatches } from './credentials.js';
import { loadKeyring } from '../security/keys.js';

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
  role: string;
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
  role: 'manager' | 'user' = 'manager',
): Promise<CreatedTenant['credentials']> {
  const clientId = newClientId();
  const clientSecret = newClientSecret();
  const keys = await loadKeyring(db);
  await db.query(
    'INSERT INTO api_clients (client_id, tenant_id, secret_hash, secret_sealed, role) VALUES ($1, $2, $3, $4, $5)',
    [clientId, tenantId, hashSecret(clientSecret), keys.seal(clientSecret), role],
  );
  return { clientId, clientSecret };
}

/** The sealed secret of an active client (null for clients created before sealing existed). */
export async function sealedSecret(
  db: Queryable,
  clientId: string,
): Promise<{ principal: Principal; sealed: string | null } | null> {
  const row = (
    await db.query<PrincipalRow & { secret_sealed: string | null }>(
      `SELECT t.id, t.name, t.department_id, c.client_id, c.secret_hash, c.role, c.secret_sealed
         FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
        WHERE c.revoked_at IS NULL AND c.client_id = $1`,
      [clientId],
    )
  ).rows[0];
  return row
    ? {
        principal: { tenant: toTenant(row), clientId: row.client_id, role: row.role },
        sealed: row.secret_sealed,
      }
    : null;
}

interface PrincipalRow extends TenantRow {
  client_id: string;
  secret_hash: string;
  role: string;
}

const PRINCIPAL_SQL = `SELECT t.id, t.name, t.department_id, c.client_id, c.secret_hash, c.role
  FROM api_clients c JOIN tenants t ON t.id = c.tenant_id
  WHERE c.revoked_at IS NULL AND `;

/** The client holding this secret, if any. */
export async function principalBySecret(db: Queryable, secret: string): Promise<Principal | null> {
  const row = (await db.query<PrincipalRow>(`${PRINCIPAL_SQL} c.secret_hash = $1`, [hashSecret(secret)]))
    .rows[0];
  return row ? { tenant: toTenant(row), clientId: row.client_id, role: row.role } : null;
}

/** The client by id with its stored secret hash, for Basic authentication. */
export async function clientById(
  db: Queryable,
  clientId: string,
): Promise<(Principal & { secretHash: string }) | null> {
  const row = (await db.query<PrincipalRow>(`${PRINCIPAL_SQL} c.client_id = $1`, [clientId])).rows[0];
  return row
    ? { tenant: toTenant(row), clientId: row.client_id, role: row.role, secretHash: row.secret_hash }
    : null;
}

/** The active client with this id and secret (compared in constant time), or null. */
export async function clientByCredentials(
  db: Queryable,
  clientId: string,
  secret: string,
): Promise<Principal | null> {
  if (clientId === '') return null;
  const client = await clientById(db, clientId);
  if (!client || !secretMatches(secret, client.secretHash)) return null;
  return { tenant: client.tenant, clientId: client.clientId, role: client.role };
}

export async function tenantByName(db: Queryable, name: string): Promise<Tenant | null> {
  const row = (
    await db.query<TenantRow>(
      'SELECT id, name, department_id FROM tenants WHERE name = $1 ORDER BY created_at LIMIT 1',
      [name],
    )
  ).rows[0];
  return row ? toTenant(row) : null;
}
