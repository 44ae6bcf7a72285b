/**
 * Turns session changes into queued webhook deliveries, inside the ingest transaction: the events and their
 * deliveries commit together, so a crash can lose neither one without the other.
 */
import type { IngestObserver } from '../events/service.js';
import { webhookEvents } from '../dialects/mluvii/webhook-events.js';
import { enqueueDeliveries, listWebhooks, type NewDelivery } from './repository.js';

export interface ObserverOptions {
  now: () => number;
  /** Absolute base URL of this server, for download links in payloads. */
  baseUrl: () => string;
  /** Called after deliveries were queued (the dispatcher polls soon after). */
  onQueued?: () => void;
}

export function webhookObserver(options: ObserverOptions): IngestObserver {
  return {
    async wants(q, tenantId) {
      const result = await q.query('SELECT 1 FROM webhooks WHERE tenant_id = $1 LIMIT 1', [tenantId]);
      return result.rows.length > 0;
    },
    async observe(q, tenantId, changes) {
      const webhooks = await listWebhooks(q, tenantId);
      if (webhooks.length === 0) return;
      const department = (
        await q.query<{ department_id: number }>('SELECT department_id FROM tenants WHERE id = $1', [
          tenantId,
        ])
      ).rows[0].department_id;
      const base = options.baseUrl().replace(/\/$/, '');
      const deliveries: NewDelivery[] = [];
      for (const change of changes) {
        const download = (fileId: string) =>
          `${base}/api/v1/Sessions/${change.id}/files/${encodeURIComponent(fileId)}`;
        for (const event of webhookEvents(change.before, change.after, change.id, department, download)) {
          const body = JSON.stringify({ eventType: event.eventType, data: event.data });
          for (const webhook of webhooks) {
            if (!webhook.eventTypes.includes(event.eventType)) continue;
            deliveries.push({
              webhookId: webhook.id,
              sessionId: change.after.sessionId,
              eventType: event.eventType,
              body,
            });
          }
        }
      }
      await enqueueDeliveries(q, tenantId, deliveries, options.now());
      if (deliveries.length > 0) options.onQueued?.();
    },
  };
}
