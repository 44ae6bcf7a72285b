/**
 * Rolling-window rate limits of Kore's analytics calls, per tenant and bot: by default 60 per minute and
 * 1,800 per hour (a tenant may have its own). Hits are rows in the database, counted under a per-bot advisory
 * lock, so every process and worker sharing the database shares the limit.
 */
import { advisoryKey } from '../../events/repository.js';
import type { Db } from '../../db/store.js';
import { KoreError } from './errors.js';

export const DEFAULT_PER_MINUTE = 60;
export const DEFAULT_PER_HOUR = 1800;
const MINUTE = 60_000;
const HOUR = 3_600_000;
export const RATE_LIMIT_MESSAGE =
  'Rate limit for this API has been reached. Please try again after some time.';

/** Counts a call or refuses it with 429 and the seconds to wait. */
export async function takeRateLimit(db: Db, tenantId: string, botId: string, now: number): Promise<void> {
  const lockKey = advisoryKey('kore-rate', tenantId, botId);
  const retryAfter = await db.tx(async (q) => {
    await q.query('SELECT pg_advisory_xact_lock($1::bigint)', [String(lockKey)]);
    const hourAgo = new Date(now - HOUR).toISOString();
    await q.query('DELETE FROM kore_rate_hits WHERE tenant_id = $1 AND bot_id = $2 AND at <= $3', [
      tenantId,
      botId,
      hourAgo,
    ]);
    const limits = (
      await q.query<{ kore_per_minute: number | null; kore_per_hour: number | null }>(
        'SELECT kore_per_minute, kore_per_hour FROM tenants WHERE id = $1',
        [tenantId],
      )
    ).rows[0];
    const perMinute = limits?.kore_per_minute ?? DEFAULT_PER_MINUTE;
    const perHour = limits?.kore_per_hour ?? DEFAULT_PER_HOUR;
    const hits = (
      await q.query<{ at: Date }>(
        'SELECT at FROM kore_rate_hits WHERE tenant_id = $1 AND bot_id = $2 AND at > $3 ORDER BY at',
        [tenantId, botId, hourAgo],
      )
    ).rows.map((r) => r.at.getTime());
    const lastMinute = hits.filter((t) => t > now - MINUTE);
    let wait = 0;
    // The call may go once enough of the oldest hits have left each window.
    if (lastMinute.length >= perMinute)
      wait = Math.max(wait, lastMinute[lastMinute.length - perMinute] + MINUTE - now);
    if (hits.length >= perHour) wait = Math.max(wait, hits[hits.length - perHour] + HOUR - now);
    if (wait > 0) return Math.max(1, Math.ceil(wait / 1000));
    await q.query('INSERT INTO kore_rate_hits (tenant_id, bot_id, at) VALUES ($1, $2, $3)', [
      tenantId,
      botId,
      new Date(now).toISOString(),
    ]);
    return 0;
  });
  if (retryAfter > 0) throw new RateLimited(retryAfter);
}

export class RateLimited extends KoreError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, RATE_LIMIT_MESSAGE);
  }
}
