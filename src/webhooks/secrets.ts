/**
 * How the `webhooks` table keeps a webhook's secrets (docs/security.md, "Secrets at rest"): the signing secret
 * sealed with the server key; the callback URL in clear only as `GET /api/v1/Webhooks` shows it (a password
 * masked as `***`), the whole URL sealed beside it when it carries a password, and a keyed HMAC of the whole
 * URL, which is what makes two registrations the same one. A copy of the database shows what the listing
 * shows, and no more.
 */
import { createHmac } from 'node:crypto';
import type { Queryable } from '../db/store.js';
import type { Keyring } from '../security/keys.js';

const MASK = '***';

/**
 * The callback URL with its password replaced by `***`, so a listing never shows the credentials a receiver
 * put into its URL. The URL is otherwise returned as registered; an odd spelling the plain pattern does not
 * find (`https:user:pw@host`) falls back to the parser's serialization, still masked.
 */
export function maskCallbackUrl(callbackUrl: string): string {
  let parsed: URL;
  try {
    parsed = new URL(callbackUrl);
  } catch {
    return callbackUrl;
  }
  if (parsed.password === '') return callbackUrl;
  const head = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#\\]*)/.exec(callbackUrl);
  if (head) {
    const authority = head[2];
    const at = authority.lastIndexOf('@');
    const colon = authority.indexOf(':');
    if (at > 0 && colon >= 0 && colon < at) {
      return `${head[1]}${authority.slice(0, colon + 1)}${MASK}${authority.slice(at)}${callbackUrl.slice(head[0].length)}`;
    }
  }
  parsed.password = MASK;
  return parsed.href;
}

const hasPassword = (callbackUrl: string) => {
  try {
    return new URL(callbackUrl).password !== '';
  } catch {
    return false;
  }
};

/**
 * A sealed value (`v1.<iv>.<tag>.<ciphertext>`) starts `v1.`; a generated secret (`whsec_` and base64url)
 * never contains a dot, so a signing secret that does not start so was stored before migration 027.
 */
export const isSealed = (value: string) => value.startsWith('v1.');

/** The columns a callback URL is stored in. */
export interface StoredCallback {
  /** `callback_url`: the URL with its password masked, what a listing shows. */
  callbackUrl: string;
  /** `callback_sealed`: the whole URL sealed when it carries a password; null when `callbackUrl` is whole. */
  callbackSealed: string | null;
  /** `callback_key`: the whole URL's HMAC-SHA256 under a key derived from the server key (uniqueness). */
  callbackKey: string;
}

/**
 * Equal URLs give equal keys, so `UNIQUE (tenant_id, callback_key, event_types)` finds a registration made
 * again. Keyed, because a plain hash of a URL whose only unknown is a short password gives the password
 * away to anyone who tries the likely ones.
 */
export function callbackKey(keys: Keyring, callbackUrl: string): string {
  return createHmac('sha256', keys.derive('webhook-callback-url')).update(callbackUrl).digest('base64url');
}

export function storeCallback(keys: Keyring, callbackUrl: string): StoredCallback {
  return {
    callbackUrl: maskCallbackUrl(callbackUrl),
    callbackSealed: hasPassword(callbackUrl) ? keys.seal(callbackUrl) : null,
    callbackKey: callbackKey(keys, callbackUrl),
  };
}

/** A webhook's secrets as its row holds them. */
export interface StoredWebhookSecrets {
  /** The callback URL with its password masked (whole, without a password or in a row not yet sealed). */
  callbackUrl: string;
  /** The whole URL sealed, when it carries a password. */
  callbackSealed: string | null;
  /** The signing secret sealed; as given in a row from before migration 027 that no start has sealed yet. */
  secret: string;
}

function unseal(keys: Keyring, sealed: string, what: string): string {
  try {
    return keys.unseal(sealed);
  } catch {
    // A server started with another key than the one that sealed it (docs/security.md, "Secrets at rest").
    throw new Error(`the webhook's ${what} cannot be unsealed with this server's key`);
  }
}

/**
 * The whole callback URL, to send a delivery to or to keep when a PUT sends the masked one back. Opened only
 * where it is needed, so listing or rotating works even when a seal cannot be opened (a lost server key).
 */
export function openCallbackUrl(keys: Keyring, stored: StoredWebhookSecrets): string {
  // A row without a sealed URL holds the whole one: it has no password, or it predates migration 027.
  return stored.callbackSealed === null
    ? stored.callbackUrl
    : unseal(keys, stored.callbackSealed, 'callback URL');
}

/** The signing secret, to sign a delivery with or to answer `GET …/secret`. */
export function openSecret(keys: Keyring, stored: StoredWebhookSecrets): string {
  return isSealed(stored.secret) ? unseal(keys, stored.secret, 'signing secret') : stored.secret;
}

/**
 * Seals what versions before migration 027 stored as given: a row without a `callback_key` gets its URL
 * stored as above and its key, and a signing secret not sealed is sealed (also in a row whose URL a newer
 * server already rewrote). Run at every start (src/server.ts) before anything is served; answers how many
 * rows it rewrote (0 once done, after a single cheap query).
 *
 * Safe with several servers starting at once: a row is rewritten only while it still holds what was read,
 * so a second server's update of the same row matches nothing (PostgreSQL re-checks the condition after
 * waiting for the first one's lock) and nothing is sealed twice, and a change made in between is never
 * overwritten. Rows go by in id order, `batchSize` at a time (default 500), each batch in one statement.
 */
export async function sealStoredWebhooks(q: Queryable, keys: Keyring, batchSize = 500): Promise<number> {
  let after = 0;
  let sealed = 0;
  for (;;) {
    const rows = (
      await q.query<{
        id: string;
        secret: string;
        callback_url: string;
        callback_sealed: string | null;
        callback_key: string | null;
      }>(
        `SELECT id, secret, callback_url, callback_sealed, callback_key FROM webhooks
          WHERE (callback_key IS NULL OR secret NOT LIKE 'v1.%') AND id > $1 ORDER BY id LIMIT $2`,
        [after, batchSize],
      )
    ).rows;
    if (rows.length === 0) return sealed;
    const callbacks = rows.map((r): StoredCallback =>
      r.callback_key === null
        ? storeCallback(keys, r.callback_url)
        : { callbackUrl: r.callback_url, callbackSealed: r.callback_sealed, callbackKey: r.callback_key },
    );
    const result = await q.query(
      `UPDATE webhooks w
          SET secret = s.secret, callback_url = s.callback_url, callback_sealed = s.callback_sealed,
              callback_key = s.callback_key
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[])
           AS s(id, was_secret, was_url, was_key, secret, callback_url, callback_sealed, callback_key)
        WHERE w.id = s.id AND w.secret = s.was_secret AND w.callback_url = s.was_url
          AND w.callback_key IS NOT DISTINCT FROM s.was_key`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.secret),
        rows.map((r) => r.callback_url),
        rows.map((r) => r.callback_key),
        rows.map((r) => (isSealed(r.secret) ? r.secret : keys.seal(r.secret))),
        callbacks.map((c) => c.callbackUrl),
        callbacks.map((c) => c.callbackSealed),
        callbacks.map((c) => c.callbackKey),
      ],
    );
    sealed += result.rowCount ?? 0;
    after = Number(rows[rows.length - 1].id);
  }
}
