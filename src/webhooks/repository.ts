/** SQL of outgoing webhooks, their durable delivery queue and the log of attempts. */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Queryable } from '../db/store.js';
import type { Keyring } from '../security/keys.js';
import { storeCallback, type StoredWebhookSecrets } from './secrets.js';

export interface Webhook {
  id: number;
  eventTypes: string[];
  /** The callback URL and the signing secret as stored: secrets.ts opens them where they are needed. */
  stored: StoredWebhookSecrets;
  created: Date;
}

interface WebhookRow {
  id: string;
  event_types: string[];
  callback_url: string;
  callback_sealed: string | null;
  secret: string;
  created_at: Date;
}

const stored = (r: { callback_url: string; callback_sealed: string | null; secret: string }) => ({
  callbackUrl: r.callback_url,
  callbackSealed: r.callback_sealed,
  secret: r.secret,
});

const toWebhook = (r: WebhookRow): Webhook => ({
  id: Number(r.id),
  eventTypes: r.event_types,
  stored: stored(r),
  created: r.created_at,
});

const COLUMNS = 'id, event_types, callback_url, callback_sealed, secret, created_at';

/** A fresh signing secret: 192 random bits. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64url')}`;

/** Event types are stored sorted and unique, so the same set in any order is the same webhook. */
export const normalizeEventTypes = (types: string[]) => [...new Set(types)].sort();

export async function listWebhooks(q: Queryable, tenantId: string): Promise<Webhook[]> {
  const result = await q.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks WHERE tenant_id = $1 ORDER BY id`,
    [tenantId],
  );
  return result.rows.map(toWebhook);
}

export async function findWebhook(q: Queryable, tenantId: string, id: number): Promise<Webhook | null> {
  const result = await q.query<WebhookRow>(
    `SELECT ${COLUMNS} FROM webhooks WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return result.rows[0] ? toWebhook(result.rows[0]) : null;
}

/**
 * Creates a webhook: answers its id and its new signing secret, or `{ existing }` when the same callback URL
 * (to the last character of its password) and event types are registered.
 */
export async function createWebhook(
  q: Queryable,
  keys: Keyring,
  tenantId: string,
  input: { eventTypes: string[]; callbackUrl: string },
): Promise<{ created: { id: number; secret: string } } | { existing: number }> {
  const types = normalizeEventTypes(input.eventTypes);
  const callback = storeCallback(keys, input.callbackUrl);
  const secret = newSecret();
  const inserted = await q.query<{ id: string }>(
    `INSERT INTO webhooks (tenant_id, event_types, callback_url, callback_sealed, callback_key, secret)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, callback_key, event_types) DO NOTHING RETURNING id`,
    [tenantId, types, callback.callbackUrl, callback.callbackSealed, callback.callbackKey, keys.seal(secret)],
  );
  if (inserted.rows[0]) return { created: { id: Number(inserted.rows[0].id), secret } };
  const existing = await q.query<{ id: string }>(
    'SELECT id FROM webhooks WHERE tenant_id = $1 AND callback_key = $2 AND event_types = $3',
    [tenantId, callback.callbackKey, types],
  );
  return { existing: Number(existing.rows[0].id) };
}

/** Replaces a webhook's event types and callback; null when it does not exist, `{ existing }` on a clash. */
export async function updateWebhook(
  q: Queryable,
  keys: Keyring,
  tenantId: string,
  id: number,
  input: { eventTypes: string[]; callbackUrl: string },
): Promise<Webhook | { existing: number } | null> {
  const types = normalizeEventTypes(input.eventTypes);
  const callback = storeCallback(keys, input.callbackUrl);
  const clash = await q.query<{ id: string }>(
    'SELECT id FROM webhooks WHERE tenant_id = $1 AND callback_key = $2 AND event_types = $3 AND id <> $4',
    [tenantId, callback.callbackKey, types, id],
  );
  if (clash.rows[0]) return { existing: Number(clash.rows[0].id) };
  const result = await q.query<WebhookRow>(
    `UPDATE webhooks SET event_types = $3, callback_url = $4, callback_sealed = $5, callback_key = $6
      WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
    [tenantId, id, types, callback.callbackUrl, callback.callbackSealed, callback.callbackKey],
  );
  return result.rows[0] ? toWebhook(result.rows[0]) : null;
}

export async function deleteWebhook(q: Queryable, tenantId: string, id: number): Promise<boolean> {
  const result = await q.query('DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return (result.rowCount ?? 0) > 0;
}

/** Deletes every webhook of a tenant (and, by cascade, their queued deliveries); answers how many. */
export async function deleteAllWebhooks(q: Queryable, tenantId: string): Promise<number> {
  const result = await q.query('DELETE FROM webhooks WHERE tenant_id = $1', [tenantId]);
  return result.rowCount ?? 0;
}

/**
 * Replaces a webhook's signing secret; answers the new one, or null when the webhook does not exist.
 * Deliveries not yet sent are signed with the new secret.
 */
export async function rotateWebhookSecret(
  q: Queryable,
  keys: Keyring,
  tenantId: string,
  id: number,
): Promise<string | null> {
  const secret = newSecret();
  const result = await q.query('UPDATE webhooks SET secret = $3 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
    keys.seal(secret),
  ]);
  return (result.rowCount ?? 0) > 0 ? secret : null;
}

export interface NewDelivery {
  webhookId: number;
  sessionId: string;
  eventType: string;
  body: string;
}

/** Queues deliveries in the caller's transaction, in the order given (the order they will be sent). */
export async function enqueueDeliveries(
  q: Queryable,
  tenantId: string,
  deliveries: NewDelivery[],
  now: number,
) {
  if (deliveries.length === 0) return;
  const at = new Date(now).toISOString();
  await q.query(
    `INSERT INTO webhook_deliveries (delivery_id, webhook_id, tenant_id, session_id, event_type, body, created_at,
        next_attempt_at)
     SELECT d.delivery_id, d.webhook_id, $1, d.session_id, d.event_type, d.body, $2::timestamptz, $2::timestamptz
       FROM unnest($3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[])
         WITH ORDINALITY AS d(delivery_id, webhook_id, session_id, event_type, body, n)
      ORDER BY d.n`,
    [
      tenantId,
      at,
      deliveries.map(() => randomUUID()),
      deliveries.map((d) => d.webhookId),
      deliveries.map((d) => d.sessionId),
      deliveries.map((d) => d.eventType),
      deliveries.map((d) => d.body),
    ],
  );
}

export interface DueDelivery {
  id: number;
  deliveryId: string;
  webhookId: number;
  /** The webhook's callback URL and signing secret as stored: secrets.ts opens them to send. */
  stored: StoredWebhookSecrets;
  eventType: string;
  body: string;
  attempts: number;
  created: number;
}

/**
 * Claims up to `limit` due deliveries, each the oldest pending one of its webhook and session (so a session's
 * events are delivered in order), and leases them until `leaseUntil` so no other worker sends them meanwhile.
 */
export async function claimDue(
  q: Queryable,
  now: number,
  leaseUntil: number,
  limit: number,
): Promise<DueDelivery[]> {
  const result = await q.query<{
    id: string;
    delivery_id: string;
    webhook_id: string;
    callback_url: string;
    callback_sealed: string | null;
    secret: string;
    event_type: string;
    body: string;
    attempts: number;
    created_at: Date;
  }>(
    `WITH due AS (
       SELECT d.id FROM webhook_deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= $1::timestamptz
          AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e
                           WHERE e.status = 'pending' AND e.webhook_id = d.webhook_id
                             AND e.session_id = d.session_id AND e.id < d.id)
        ORDER BY d.next_attempt_at, d.id
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
     UPDATE webhook_deliveries d SET next_attempt_at = $2::timestamptz
       FROM due, webhooks w
      WHERE d.id = due.id AND w.id = d.webhook_id
     RETURNING d.id, d.delivery_id, d.webhook_id, w.callback_url, w.callback_sealed, w.secret, d.event_type,
       d.body, d.attempts, d.created_at`,
    [new Date(now).toISOString(), new Date(leaseUntil).toISOString(), limit],
  );
  return result.rows.map((r) => ({
    id: Number(r.id),
    deliveryId: r.delivery_id,
    webhookId: Number(r.webhook_id),
    stored: stored(r),
    eventType: r.event_type,
    body: r.body,
    attempts: r.attempts,
    created: r.created_at.getTime(),
  }));
}

export interface AttemptOutcome {
  at: number;
  status: number | null;
  error: string | null;
  durationMs: number;
  /** delivered, pending again at `retryAt`, or failed for good. */
  result: { state: 'delivered' } | { state: 'pending'; retryAt: number } | { state: 'failed' };
}

export async function recordAttempt(
  q: Queryable,
  delivery: DueDelivery,
  outcome: AttemptOutcome,
): Promise<void> {
  const attempt = delivery.attempts + 1;
  const at = new Date(outcome.at).toISOString();
  await q.query(
    `INSERT INTO webhook_attempts (delivery_id, attempt, at, status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (delivery_id, attempt) DO NOTHING`,
    [delivery.id, attempt, at, outcome.status, outcome.error, outcome.durationMs],
  );
  const { result } = outcome;
  await q.query(
    `UPDATE webhook_deliveries SET attempts = $2, last_attempt_at = $3::timestamptz, last_status = $4, last_error = $5,
        status = $6, next_attempt_at = COALESCE($7::timestamptz, next_attempt_at),
        delivered_at = CASE WHEN $6 = 'delivered' THEN $3::timestamptz ELSE delivered_at END
      WHERE id = $1`,
    [
      delivery.id,
      attempt,
      at,
      outcome.status,
      outcome.error,
      result.state,
      result.state === 'pending' ? new Date(result.retryAt).toISOString() : null,
    ],
  );
}

export interface DeliveryLogEntry {
  id: string;
  eventType: string;
  sessionId: string;
  status: string;
  attempts: number;
  created: string;
  nextAttempt: string | null;
  lastAttempt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  delivered: string | null;
  body: unknown;
}

export async function deliveryLog(
  q: Queryable,
  webhookId: number,
  page: { limit: number; offset: number; status?: string | undefined },
): Promise<DeliveryLogEntry[]> {
  const result = await q.query<{
    delivery_id: string;
    event_type: string;
    session_id: string;
    status: string;
    attempts: number;
    created_at: Date;
    next_attempt_at: Date;
    last_attempt_at: Date | null;
    last_status: number | null;
    last_error: string | null;
    delivered_at: Date | null;
    body: string;
  }>(
    `SELECT delivery_id, event_type, session_id, status, attempts, created_at, next_attempt_at, last_attempt_at,
            last_status, last_error, delivered_at, body
       FROM webhook_deliveries WHERE webhook_id = $1 AND ($4::text IS NULL OR status = $4)
      ORDER BY id DESC LIMIT $2 OFFSET $3`,
    [webhookId, page.limit, page.offset, page.status ?? null],
  );
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return result.rows.map((r) => ({
    id: r.delivery_id,
    eventType: r.event_type,
    sessionId: r.session_id,
    status: r.status,
    attempts: r.attempts,
    created: r.created_at.toISOString(),
    nextAttempt: r.status === 'pending' ? iso(r.next_attempt_at) : null,
    lastAttempt: iso(r.last_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    delivered: iso(r.delivered_at),
    body: JSON.parse(r.body) as unknown,
  }));
}

/**
 * Queues a delivery again (same delivery id, so receivers can de-duplicate), as a new attempt due now, with a
 * fresh retry window. False when the webhook has no such delivery.
 */
export async function redeliver(
  q: Queryable,
  webhookId: number,
  deliveryId: string,
  now: number,
): Promise<boolean> {
  const at = new Date(now).toISOString();
  const result = await q.query(
    `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3::timestamptz, created_at = $3::timestamptz
      WHERE webhook_id = $1 AND delivery_id = $2`,
    [webhookId, deliveryId, at],
  );
  return (result.rowCount ?? 0) > 0;
}
