/**
 * Service-level settings per queue, versioned (docs/metrics.md#service-level-settings). A version applies from
 * a 15-minute UTC bucket start until the queue's next version; queue 0 is the tenant's default, and without
 * any version the DESIGN.md defaults hold. A session is counted with the version in effect at its queue entry,
 * so every bucket has one setting, a past bucket keeps the one it had, and a late event or a rebuild counts it
 * the same way again.
 */
import type { Queryable } from '../db/store.js';
import { AppError } from '../http/errors.js';
import { BUCKET_MS, DEFAULT_SL, type SlLookup, type SlSettings } from './contribution.js';

/** Queue 0 holds the tenant's default. */
export const TENANT_DEFAULT = 0;

export interface SlVersion extends SlSettings {
  queueId: number;
  validFrom: number;
}

interface Row {
  queue_id: number;
  valid_from: Date | string;
  threshold_ms: number;
  short_abandon_ms: number;
  abandons_count: boolean;
  goal: number;
}

const toVersion = (r: Row): SlVersion => ({
  queueId: r.queue_id,
  validFrom: new Date(r.valid_from).getTime(),
  thresholdMs: r.threshold_ms,
  shortAbandonMs: r.short_abandon_ms,
  abandonsCount: r.abandons_count,
  goal: Number(r.goal),
});

/** Every version of the tenant, oldest first (a small table: a few rows a queue). */
export async function slVersions(q: Queryable, tenantId: string): Promise<SlVersion[]> {
  const rows = await q.query<Row>(
    `SELECT queue_id, valid_from, threshold_ms, short_abandon_ms, abandons_count, goal
       FROM sl_settings WHERE tenant_id = $1 ORDER BY queue_id, valid_from`,
    [tenantId],
  );
  return rows.rows.map(toVersion);
}

/** The lookup the contributions use: the queue's version at that instant, else the tenant's, else defaults. */
export function slLookup(versions: SlVersion[]): SlLookup {
  if (versions.length === 0) return () => DEFAULT_SL;
  const byQueue = new Map<number, SlVersion[]>();
  for (const v of versions) byQueue.set(v.queueId, [...(byQueue.get(v.queueId) ?? []), v]);
  const at = (queueId: number, instant: number) =>
    byQueue
      .get(queueId)
      ?.filter((v) => v.validFrom <= instant)
      .at(-1);
  return (queueId, instant) => at(queueId, instant) ?? at(TENANT_DEFAULT, instant) ?? DEFAULT_SL;
}

export async function loadSlLookup(q: Queryable, tenantId: string): Promise<SlLookup> {
  return slLookup(await slVersions(q, tenantId));
}

/** The first bucket start at or after an instant. */
export const nextBucket = (ms: number) => Math.ceil(ms / BUCKET_MS) * BUCKET_MS;

/**
 * Adds a version from `validFrom` (default now), moved up to the next bucket start: the bucket in progress
 * keeps the settings its sessions were counted with. A start in the past is refused — restating history is
 * `switchboard analytics rebuild --fix` after an operator has edited the table on purpose. A second version
 * for the same queue and start replaces the first (correcting a scheduled change).
 */
export async function addSlVersion(
  q: Queryable,
  tenantId: string,
  input: SlSettings & { queueId: number; validFrom?: number | undefined },
  now: number,
): Promise<SlVersion> {
  if (input.validFrom !== undefined && input.validFrom < now - 60_000)
    throw new AppError(
      'validation_failed',
      'validFrom is in the past: a past interval keeps the settings it was counted with',
      [{ field: 'validFrom', message: 'must not be in the past' }],
    );
  const validFrom = nextBucket(Math.max(now, input.validFrom ?? now));
  const row = (
    await q.query<Row>(
      `INSERT INTO sl_settings (tenant_id, queue_id, valid_from, threshold_ms, short_abandon_ms, abandons_count, goal)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id, queue_id, valid_from) DO UPDATE SET threshold_ms = EXCLUDED.threshold_ms,
         short_abandon_ms = EXCLUDED.short_abandon_ms, abandons_count = EXCLUDED.abandons_count,
         goal = EXCLUDED.goal, changed_at = now()
       RETURNING queue_id, valid_from, threshold_ms, short_abandon_ms, abandons_count, goal`,
      [
        tenantId,
        input.queueId,
        new Date(validFrom),
        input.thresholdMs,
        input.shortAbandonMs,
        input.abandonsCount,
        input.goal,
      ],
    )
  ).rows[0];
  return toVersion(row);
}
