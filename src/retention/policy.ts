/** Per-tenant retention policies (docs/retention.md). */
import { Type, type Static } from '@sinclair/typebox';
import type { Queryable } from '../db/store.js';

// A type array, not a union: the body coercion would turn 0 into null for a union's null branch.
const Days = (description: string) =>
  Type.Unsafe<number | null>({ type: ['integer', 'null'], minimum: 1, maximum: 36500, description });

export const RetentionPolicy = Type.Object(
  {
    deleteAfterDays: Days(
      'delete sessions (events, files, webhook payloads) created this many days ago; null: keep',
    ),
    anonymizeAfterDays: Days('anonymise guests of sessions created this many days ago; null: never'),
    webhookLogDays: Days('prune finished webhook deliveries queued this many days ago; null: keep'),
  },
  { additionalProperties: false },
);
export type RetentionPolicy = Static<typeof RetentionPolicy>;

export const NO_POLICY: RetentionPolicy = {
  deleteAfterDays: null,
  anonymizeAfterDays: null,
  webhookLogDays: null,
};

interface PolicyRow {
  tenant_id: string;
  delete_after_days: number | null;
  anonymize_after_days: number | null;
  webhook_log_days: number | null;
  anonymized_through: Date | null;
}

const toPolicy = (row: PolicyRow): RetentionPolicy => ({
  deleteAfterDays: row.delete_after_days,
  anonymizeAfterDays: row.anonymize_after_days,
  webhookLogDays: row.webhook_log_days,
});

export async function getPolicy(q: Queryable, tenantId: string): Promise<RetentionPolicy> {
  const result = await q.query<PolicyRow>('SELECT * FROM retention_policies WHERE tenant_id = $1', [
    tenantId,
  ]);
  return result.rows[0] ? toPolicy(result.rows[0]) : NO_POLICY;
}

export async function setPolicy(
  q: Queryable,
  tenantId: string,
  policy: RetentionPolicy,
  now: number,
): Promise<RetentionPolicy> {
  const result = await q.query<PolicyRow>(
    `INSERT INTO retention_policies (tenant_id, delete_after_days, anonymize_after_days, webhook_log_days, updated_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id) DO UPDATE SET delete_after_days = $2, anonymize_after_days = $3,
       webhook_log_days = $4, updated_at = $5
     RETURNING *`,
    [tenantId, policy.deleteAfterDays, policy.anonymizeAfterDays, policy.webhookLogDays, new Date(now)],
  );
  return toPolicy(result.rows[0]);
}

/** Every tenant with a policy that does something, with how far anonymisation got. */
export async function activePolicies(
  q: Queryable,
): Promise<(RetentionPolicy & { tenantId: string; anonymizedThrough: number | null })[]> {
  const result = await q.query<PolicyRow>(
    `SELECT * FROM retention_policies
      WHERE delete_after_days IS NOT NULL OR anonymize_after_days IS NOT NULL OR webhook_log_days IS NOT NULL
      ORDER BY tenant_id`,
  );
  return result.rows.map((row) => ({
    ...toPolicy(row),
    tenantId: row.tenant_id,
    anonymizedThrough: row.anonymized_through?.getTime() ?? null,
  }));
}
