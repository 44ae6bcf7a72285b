/**
 * Prometheus metrics (prom-client), one registry per app so that several apps in one process (tests) never
 * share counters. Labels are bounded: a route's pattern (never its raw URL), a method, a status code, an
 * outcome. No tenant, session or credential ever becomes a label. What a scrape reads from the store (the
 * webhook queue) is one index-served query over pending deliveries only.
 */
import client from 'prom-client';
import type { Db } from '../db/store.js';

export interface Metrics {
  readonly registry: client.Registry;
  /** One request answered: method, route pattern, status, seconds. */
  request(method: string, route: string, status: number, seconds: number): void;
  /** One intake batch stored (projection included): events accepted and duplicates, seconds. */
  intake(accepted: number, duplicates: number, seconds: number): void;
  /** One webhook delivery attempt: delivered, pending again (retry) or failed for good. */
  delivery(result: 'delivered' | 'retry' | 'failed'): void;
}

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(db: Db, now: () => number = Date.now): Metrics {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });

  const requests = new client.Histogram({
    name: 'switchboard_http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const events = new client.Counter({
    name: 'switchboard_intake_events_total',
    help: 'Events taken in, by result (accepted, duplicate)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const batches = new client.Histogram({
    name: 'switchboard_intake_batch_duration_seconds',
    help: 'Time to validate, store and project one intake batch (its transaction)',
    buckets: SECONDS,
    registers: [registry],
  });
  const deliveries = new client.Counter({
    name: 'switchboard_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by result (delivered, retry, failed)',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  // One query a scrape for both queue gauges: the depth gauge's collect sets the age gauge, which is
  // registered after it, so it is read after it.
  const oldestAge = new client.Gauge({
    name: 'switchboard_webhook_queue_oldest_age_seconds',
    help: 'Age of the oldest pending webhook delivery (0 when none)',
    registers: [],
  });
  new client.Gauge({
    name: 'switchboard_webhook_queue_depth',
    help: 'Webhook deliveries waiting to be sent (pending, all tenants)',
    registers: [registry],
    async collect() {
      const result = await db.query<{ depth: number; oldest: Date | null }>(
        "SELECT count(*) AS depth, min(created_at) AS oldest FROM webhook_deliveries WHERE status = 'pending'",
      );
      const row = result.rows[0];
      this.set(Number(row?.depth ?? 0));
      const oldest = row?.oldest?.getTime();
      oldestAge.set(oldest === undefined ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  registry.registerMetric(oldestAge);
  new client.Gauge({
    name: 'switchboard_db_pool_connections',
    help: 'Store connections by state (open, idle, max)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const pool = db.poolStats();
      this.set({ state: 'open' }, pool.total);
      this.set({ state: 'idle' }, pool.idle);
      this.set({ state: 'max' }, pool.max);
    },
  });
  new client.Gauge({
    name: 'switchboard_db_pool_waiting_requests',
    help: 'Queries waiting for a free store connection',
    registers: [registry],
    collect() {
      this.set(db.poolStats().waiting);
    },
  });

  return {
    registry,
    request(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
    },
    intake(accepted, duplicates, seconds) {
      if (accepted) events.inc({ result: 'accepted' }, accepted);
      if (duplicates) events.inc({ result: 'duplicate' }, duplicates);
      batches.observe(seconds);
    },
    delivery(result) {
      deliveries.inc({ result });
    },
  };
}
