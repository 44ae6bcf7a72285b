/**
 * Sends queued webhook deliveries: at least once, in order per webhook and session, signed, retried with
 * exponential backoff (with jitter) until the retry window closes. The queue lives in the database, so a
 * restart resumes where it stopped; a lease keeps two dispatchers from sending the same delivery at once.
 * Only targets the policy allows are connected to (see targets.ts); a refused one fails at once. Callback
 * URLs and secrets are stored sealed (secrets.ts) and opened only to send.
 */
import { createHmac } from 'node:crypto';
import type { Db } from '../db/store.js';
import { loadKeyring, type Keyring } from '../security/keys.js';
import { claimDue, recordAttempt, type AttemptOutcome, type DueDelivery } from './repository.js';
import { openCallbackUrl, openSecret } from './secrets.js';
import { BlockedTargetError, postWebhook, targetPolicy, type TargetPolicy } from './targets.js';

export interface DispatcherOptions {
  db: Db;
  /** Opens the stored callback URLs and signing secrets. Default: this process's (`loadKeyring`). */
  keys?: Keyring;
  /**
   * Non-public targets deliveries may reach anyway: `SWITCHBOARD_WEBHOOK_ALLOW`'s value, or a parsed policy.
   * Default: none (loopback, link-local, private and unique-local targets are refused).
   */
  allow?: string | TargetPolicy | undefined;
  now?: () => number;
  /** Give up on a delivery this long after it was queued (default 24 h). */
  retryWindowMs?: number;
  /** First retry delay; each further one doubles, up to `maxBackoffMs` (defaults 10 s and 1 h). */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** How often the queue is polled when idle (default 1 s). */
  pollMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Deliveries sent at once (default 8). */
  concurrency?: number;
  onError?: (error: unknown) => void;
  /** Told the result of every attempt (metrics): delivered, pending again, or failed for good. */
  onAttempt?: (result: 'delivered' | 'retry' | 'failed') => void;
}

export interface Dispatcher {
  /** Polls now (after new deliveries were queued). */
  kick(): void;
  /** Stops polling and waits for the attempts in flight. */
  stop(): Promise<void>;
}

export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const DELIVERY_HEADER = 'x-switchboard-delivery';

/** `sha256=<hex HMAC-SHA256 of the body with the webhook's secret>`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Delay before retry number `attempt` (1-based): base·2^(attempt−1), capped, ±20 % jitter. */
export function backoff(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const plain = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(plain * (0.8 + 0.4 * random()));
}

/** Splits user:password out of a callback URL into a Basic header, so it never travels in the URL. */
export function callbackTarget(callbackUrl: string): { url: string; authorization: string | null } {
  const url = new URL(callbackUrl);
  if (!url.username && !url.password) return { url: url.toString(), authorization: null };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), authorization: `Basic ${Buffer.from(credentials).toString('base64')}` };
}

export function startDispatcher(options: DispatcherOptions): Dispatcher {
  const now = options.now ?? Date.now;
  const retryWindowMs = options.retryWindowMs ?? 24 * 3_600_000;
  const baseBackoffMs = options.baseBackoffMs ?? 10_000;
  const maxBackoffMs = options.maxBackoffMs ?? 3_600_000;
  const pollMs = options.pollMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const concurrency = options.concurrency ?? 8;
  const onError = options.onError ?? (() => undefined);
  const policy = typeof options.allow === 'object' ? options.allow : targetPolicy(options.allow);

  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let again = false;
  let keys = options.keys ?? null;

  async function send(delivery: DueDelivery, keyring: Keyring): Promise<void> {
    const started = now();
    let status: number | null = null;
    let error: string | null = null;
    let blocked = false;
    try {
      const target = callbackTarget(openCallbackUrl(keyring, delivery.stored));
      status = await postWebhook(policy, target.url, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Switchboard-Webhooks/1',
          [SIGNATURE_HEADER]: signature(openSecret(keyring, delivery.stored), delivery.body),
          [DELIVERY_HEADER]: delivery.deliveryId,
          'x-switchboard-event': delivery.eventType,
          'x-switchboard-attempt': String(delivery.attempts + 1),
          ...(target.authorization ? { authorization: target.authorization } : {}),
        },
        body: delivery.body,
        timeoutMs,
      });
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (e) {
      blocked = e instanceof BlockedTargetError;
      // A short error only: the log shows a tenant what happened, never what another host said.
      error = String((e as Error).message ?? e).slice(0, 200);
    }
    const at = now();
    const attempts = delivery.attempts + 1;
    let result: AttemptOutcome['result'];
    if (error === null) result = { state: 'delivered' };
    else if (blocked)
      result = { state: 'failed' }; // retrying cannot help until the operator allows it
    else {
      const retryAt = at + backoff(attempts, baseBackoffMs, maxBackoffMs);
      result =
        retryAt > delivery.created + retryWindowMs ? { state: 'failed' } : { state: 'pending', retryAt };
    }
    await options.db.tx((q) =>
      recordAttempt(q, delivery, { at, status, error, durationMs: at - started, result }),
    );
    options.onAttempt?.(result.state === 'pending' ? 'retry' : result.state);
  }

  async function drain(): Promise<void> {
    const keyring = (keys ??= await loadKeyring(options.db));
    for (;;) {
      const leaseMs = timeoutMs + 30_000;
      const due = await options.db.tx((q) => claimDue(q, now(), now() + leaseMs, concurrency));
      if (due.length === 0) return;
      await Promise.all(due.map((d) => send(d, keyring).catch(onError)));
      if (stopped) return;
    }
  }

  function schedule(delay: number) {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, delay);
    timer.unref();
  }

  function tick() {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch(onError)
      .finally(() => {
        running = null;
        if (again) {
          again = false;
          schedule(0);
        } else schedule(pollMs);
      });
  }

  schedule(0);
  return {
    kick() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
