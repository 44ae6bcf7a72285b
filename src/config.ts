/**
 * Configuration, parsed once at start-up against a schema; a bad value stops the start with a clear message.
 * Precedence: command-line flag, then environment variable, then default.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { resolve, join } from 'node:path';

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
  demo: Type.Boolean(),
  /** How often the embedded store runs ANALYZE/VACUUM/CHECKPOINT, in ms. */
  maintenanceIntervalMs: Type.Integer({ minimum: 1000 }),
  logRequests: Type.Boolean(),
  /** How long a webhook delivery is retried before it is marked failed, in ms. */
  webhookRetryWindowMs: Type.Integer({ minimum: 0 }),
  /** First webhook retry delay, in ms; each further retry doubles it (capped at 1 h). */
  webhookBackoffMs: Type.Integer({ minimum: 1 }),
});
export type ServerConfig = Static<typeof ServerConfig>;

export interface ServeFlags {
  port?: string;
  host?: string;
  data?: string;
  databaseUrl?: string;
  blobDir?: string;
  publicUrl?: string;
  demo?: boolean;
}

export class ConfigError extends Error {}

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
    demo: flags.demo ?? false,
    maintenanceIntervalMs: Number(env.SWITCHBOARD_MAINTENANCE_INTERVAL_MS ?? 10 * 60_000),
    logRequests: env.SWITCHBOARD_LOG_REQUESTS === '1',
    webhookRetryWindowMs: Number(env.SWITCHBOARD_WEBHOOK_RETRY_HOURS ?? 24) * 3_600_000,
    webhookBackoffMs: Number(env.SWITCHBOARD_WEBHOOK_BACKOFF_MS ?? 10_000),
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
      maintenanceIntervalMs: 'SWITCHBOARD_MAINTENANCE_INTERVAL_MS',
      webhookRetryWindowMs: 'SWITCHBOARD_WEBHOOK_RETRY_HOURS',
      webhookBackoffMs: 'SWITCHBOARD_WEBHOOK_BACKOFF_MS',
    };
    const lines = errors.map((e) => {
      const key = e.path.slice(1);
      return `  ${names[key] ?? key}: ${e.message} (got ${JSON.stringify(e.value)})`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return candidate;
}
