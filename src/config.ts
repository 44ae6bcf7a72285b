/**
 * Configuration, parsed once at start-up against a schema; a bad value stops the start with a clear message.
 * Precedence: command-line flag, then environment variable, then default.
 */
import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { isIP } from 'node:net';
import { resolve, join } from 'node:path';
import { targetPolicy, TargetPolicyError } from './webhooks/targets.js';
import { DEFAULT_TIMEOUTS } from './http/timeouts.js';

/** Default bound on one request's SQL statement (SWITCHBOARD_STATEMENT_TIMEOUT_MS). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** The names proxy-addr (Fastify's trustProxy) knows for address ranges. */
const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a CIDR range (`10.0.0.0/8`, `fd00::/8`), an IPv4 address/netmask or a preset name. */
export function isProxyAddress(value: string): boolean {
  if (PROXY_PRESETS.has(value)) return true;
  const [address, range, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (range === undefined) return true;
  if (/^\d{1,3}$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4 && isContiguousMask(range);
}

/** 255.255.0.0 is a netmask, 255.0.255.0 is not (proxy-addr would throw on it at start). */
function isContiguousMask(mask: string): boolean {
  const bits = mask.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
  const hostPart = 0xffffffff - bits;
  return (hostPart & (hostPart + 1)) === 0;
}
FormatRegistry.Set('proxy-address', isProxyAddress);

/**
 * Which proxies' X-Forwarded-Proto/-Host/-For are believed, as Fastify's `trustProxy` takes it: `true` (any),
 * a hop count, or addresses/CIDR ranges. Off (false) by default: the headers are then ignored.
 */
export const TrustProxy = Type.Union([
  Type.Boolean(),
  Type.Integer({ minimum: 0 }),
  Type.Array(Type.String({ format: 'proxy-address' }), { minItems: 1 }),
]);
export type TrustProxy = Static<typeof TrustProxy>;

/** `true`/`false`, a hop count, or comma-separated addresses; a bare `--trust-proxy` flag means true. */
export function parseTrustProxy(raw: string | boolean | undefined): unknown {
  if (raw === undefined || typeof raw === 'boolean') return raw ?? false;
  const text = raw.trim();
  if (text === '' || /^false$/i.test(text)) return false;
  if (/^true$/i.test(text)) return true;
  if (/^\d+$/.test(text)) return Number(text);
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

export const ServerConfig = Type.Object({
  port: Type.Integer({ minimum: 0, maximum: 65535 }),
  host: Type.String({ minLength: 1 }),
  /** Folder of the embedded store, the blob directory and the demo credentials. */
  dataDir: Type.String({ minLength: 1 }),
  /** PostgreSQL connection string; when set the embedded store is not used. */
  databaseUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
  blobDir: Type.String({ minLength: 1 }),
  adminToken: Type.Optional(Type.String({ minLength: 16 })),
  publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
  trustProxy: TrustProxy,
  demo: Type.Boolean(),
  /** How often the embedded store runs ANALYZE/VACUUM/CHECKPOINT, in ms. */
  maintenanceIntervalMs: Type.Integer({ minimum: 1000 }),
  /** Structured log level (pino's); `info` writes one JSON line per request. */
  logLevel: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  ),
  /** How long a webhook delivery is retried before it is marked failed, in ms. */
  webhookRetryWindowMs: Type.Integer({ minimum: 0 }),
  /** First webhook retry delay, in ms; each further retry doubles it (capped at 1 h). */
  webhookBackoffMs: Type.Integer({ minimum: 1 }),
  /** Non-public webhook targets allowed anyway: comma-separated hosts, IP addresses and CIDR ranges. */
  webhookAllow: Type.String(),
  /** How often retention policies are applied, in ms; 0 turns the schedule off (`switchboard retention run`). */
  retentionIntervalMs: Type.Integer({ minimum: 0 }),
  /** Client timeouts (src/http/timeouts.ts), in ms. */
  timeouts: Type.Object({
    headersMs: Type.Integer({ minimum: 100 }),
    bodyMs: Type.Integer({ minimum: 100 }),
    requestMs: Type.Integer({ minimum: 100 }),
    idleMs: Type.Integer({ minimum: 100 }),
    keepAliveMs: Type.Integer({ minimum: 100 }),
  }),
  /** The server key (`SWITCHBOARD_SECRET_KEY`); absent = the key file. */
  secretKey: Type.Optional(Type.String({ minLength: 32 })),
  /** The key file, read or written (mode 0600); default `<data>/secret.key`. */
  secretKeyFile: Type.String({ minLength: 1 }),
  /** On PostgreSQL, write a new key file when there is no key (`SWITCHBOARD_SECRET_KEY_GENERATE=true`). */
  secretKeyGenerate: Type.Boolean(),
  /** Longest a request's SQL statement may run, in ms (PostgreSQL's statement_timeout); 0 = unbounded. */
  statementTimeoutMs: Type.Integer({ minimum: 0 }),
});
export type ServerConfig = Static<typeof ServerConfig>;

export interface ServeFlags {
  port?: string;
  host?: string;
  data?: string;
  databaseUrl?: string;
  blobDir?: string;
  publicUrl?: string;
  /** `--trust-proxy [spec]`: true when given without a value. */
  trustProxy?: string | boolean;
  demo?: boolean;
}

export class ConfigError extends Error {}

/** A bad setting's value as an error message may show it: never a secret, never a URL's password. */
function shown(key: string, value: unknown): string {
  if ((key === 'adminToken' || key === 'secretKey') && typeof value === 'string')
    return `${value.length} characters`;
  if (key === 'databaseUrl' && typeof value === 'string') {
    try {
      const url = new URL(value);
      if (url.password) url.password = '***';
      return JSON.stringify(url.toString());
    } catch {
      return 'a value that is not a URL';
    }
  }
  return JSON.stringify(value);
}

export function parseServerConfig(flags: ServeFlags, env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const dataDir = resolve(flags.data ?? env.SWITCHBOARD_DATA ?? './data');
  const candidate = {
    port: Number(flags.port ?? env.PORT ?? 8080),
    host: flags.host ?? env.HOST ?? '127.0.0.1',
    dataDir,
    databaseUrl: flags.databaseUrl ?? (env.DATABASE_URL || undefined),
    blobDir: resolve(flags.blobDir ?? env.SWITCHBOARD_BLOB_DIR ?? join(dataDir, 'blobs')),
    adminToken: env.SWITCHBOARD_ADMIN_TOKEN || undefined,
    publicUrl: flags.publicUrl ?? (env.SWITCHBOARD_PUBLIC_URL || undefined),
    trustProxy: parseTrustProxy(flags.trustProxy ?? env.SWITCHBOARD_TRUST_PROXY) as TrustProxy,
    demo: flags.demo ?? false,
    maintenanceIntervalMs: Number(env.SWITCHBOARD_MAINTENANCE_INTERVAL_MS ?? 10 * 60_000),
    logLevel: env.SWITCHBOARD_LOG_LEVEL ?? 'info',
    webhookRetryWindowMs: Number(env.SWITCHBOARD_WEBHOOK_RETRY_HOURS ?? 24) * 3_600_000,
    webhookBackoffMs: Number(env.SWITCHBOARD_WEBHOOK_BACKOFF_MS ?? 10_000),
    webhookAllow: env.SWITCHBOARD_WEBHOOK_ALLOW ?? '',
    retentionIntervalMs: Number(env.SWITCHBOARD_RETENTION_INTERVAL_MS ?? 3_600_000),
    timeouts: {
      headersMs: Number(env.SWITCHBOARD_HEADERS_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.headersMs),
      bodyMs: Number(env.SWITCHBOARD_BODY_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.bodyMs),
      requestMs: Number(env.SWITCHBOARD_REQUEST_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.requestMs),
      idleMs: Number(env.SWITCHBOARD_IDLE_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.idleMs),
      keepAliveMs: Number(env.SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.keepAliveMs),
    },
    statementTimeoutMs: Number(env.SWITCHBOARD_STATEMENT_TIMEOUT_MS ?? DEFAULT_STATEMENT_TIMEOUT_MS),
    secretKey: env.SWITCHBOARD_SECRET_KEY || undefined,
    secretKeyFile: resolve(env.SWITCHBOARD_SECRET_KEY_FILE || join(dataDir, 'secret.key')),
    secretKeyGenerate: /^(1|true|yes)$/i.test(env.SWITCHBOARD_SECRET_KEY_GENERATE ?? ''),
  };
  for (const key of Object.keys(candidate) as (keyof typeof candidate)[]) {
    if (candidate[key] === undefined) delete candidate[key];
  }
  const errors = [...Value.Errors(ServerConfig, candidate)];
  if (errors.length > 0) {
    const names: Record<string, string> = {
      port: '--port / PORT',
      host: '--host / HOST',
      databaseUrl: '--database-url / DATABASE_URL (postgres://…)',
      adminToken: 'SWITCHBOARD_ADMIN_TOKEN (at least 16 characters)',
      publicUrl: 'SWITCHBOARD_PUBLIC_URL (http(s)://…)',
      trustProxy:
        '--trust-proxy / SWITCHBOARD_TRUST_PROXY (true, false, a hop count, or comma-separated addresses and CIDR ranges)',
      maintenanceIntervalMs: 'SWITCHBOARD_MAINTENANCE_INTERVAL_MS',
      webhookRetryWindowMs: 'SWITCHBOARD_WEBHOOK_RETRY_HOURS',
      webhookBackoffMs: 'SWITCHBOARD_WEBHOOK_BACKOFF_MS',
      retentionIntervalMs: 'SWITCHBOARD_RETENTION_INTERVAL_MS (0 = off)',
      logLevel: 'SWITCHBOARD_LOG_LEVEL (fatal, error, warn, info, debug, trace or silent)',
      'timeouts/headersMs': 'SWITCHBOARD_HEADERS_TIMEOUT_MS',
      'timeouts/bodyMs': 'SWITCHBOARD_BODY_TIMEOUT_MS',
      'timeouts/requestMs': 'SWITCHBOARD_REQUEST_TIMEOUT_MS',
      'timeouts/idleMs': 'SWITCHBOARD_IDLE_TIMEOUT_MS',
      'timeouts/keepAliveMs': 'SWITCHBOARD_KEEP_ALIVE_TIMEOUT_MS',
      statementTimeoutMs: 'SWITCHBOARD_STATEMENT_TIMEOUT_MS (0 = unbounded)',
      secretKey: 'SWITCHBOARD_SECRET_KEY (at least 32 characters)',
    };
    const lines = errors.map((e) => {
      const key = e.path.slice(1);
      if (key === 'trustProxy' && Array.isArray(e.value)) {
        const bad = (e.value as string[]).filter((entry) => !isProxyAddress(entry));
        const what = bad.length > 0 ? `not an address or CIDR range: ${bad.join(', ')}` : 'no address given';
        return `  ${names[key]}: ${what}`;
      }
      return `  ${names[key] ?? key}: ${e.message} (got ${shown(key, e.value)})`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  try {
    targetPolicy(candidate.webhookAllow);
  } catch (error) {
    if (!(error instanceof TargetPolicyError)) throw error;
    throw new ConfigError(`invalid configuration:\n  SWITCHBOARD_WEBHOOK_ALLOW: ${error.message}`);
  }
  return candidate;
}
