/**
 * The command line (scripts rely on it; see DESIGN.md):
 *   switchboard serve [--port 8080] [--host 127.0.0.1] [--data ./data] [--database-url URL] [--demo]
 *                     [--public-url URL] [--trust-proxy [true|N|addresses]]
 *   switchboard tenant create NAME [--json] [--department-id N] [--data DIR] [--database-url URL]
 *   switchboard tenant list|show ID|rename ID NAME|delete ID --yes     (and --json, --data, --database-url)
 *   switchboard client add ID --role R [--name N] | list ID | rotate ID CLIENT [--grace-seconds S] | revoke ID CLIENT
 *   switchboard token kore --client-id ID --client-secret S [--expires-in 3600] [--jti] [--sub S]
 *   switchboard simulate --sessions N --seed S [--days D] [--start ISO] [--url URL --client-id ID --client-secret S]
 *   switchboard export --url URL --client-id ID --client-secret S [--out FILE [--resume]] [--format ndjson|csv]
 *                      [--rows sessions|operators] [--created-from ISO] [--created-to ISO]
 */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readFileSync, truncateSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseServerConfig, ConfigError } from './config.js';
import { ServerKeyError } from './security/keys.js';
import { openConfiguredStore, startServer } from './server.js';
import { createTenant } from './tenants/repository.js';
import {
  createClient,
  deleteTenant,
  getTenant,
  listClients,
  listTenants,
  revokeClient,
  rotateClient,
  updateTenant,
  type ClientRecord,
  type TenantRecord,
} from './tenants/admin.js';
import { ROLES, type Role } from './http/access.js';
import type { Db } from './db/store.js';
import { simulate } from './simulator/simulate.js';
import type { SessionEvent } from './domain/events.js';
import { StoreLockedError } from './db/lock.js';
import { koreToken } from './dialects/kore/token.js';
import { AppError } from './http/errors.js';
import { fileBlobStore } from './files/blobs.js';
import type { BotRow, OperatorRow, QueueRow } from './analytics/report.js';
import { runRetention } from './retention/run.js';
import { rebuildAnalytics } from './analytics/rebuild.js';
import { packageRoot } from './paths.js';
import { dashboardBanner } from './demo/demo.js';

const packageVersion = () =>
  (JSON.parse(readFileSync(`${packageRoot}package.json`, 'utf8')) as { version: string }).version;

const integer =
  (name: string, min = 0) =>
  (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };

/** A server's answer the command cannot use (status and what it said), reported without a stack. */
class ServerAnswerError extends Error {}

/** Network and database failures a user meets every day, as one line saying what to check; else null. */
function everydayMessage(error: unknown): string | null {
  if (error instanceof AppError || error instanceof ServerAnswerError) return error.message;
  const e = (error instanceof TypeError && error.cause ? error.cause : error) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
    hostname?: string;
  };
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : (e.hostname ?? 'the server');
  switch (e.code ?? '') {
    case 'EADDRINUSE':
      return `${where} is already in use: another server runs there; choose another with --port`;
    case 'EACCES':
      return e.syscall === 'listen'
        ? `not allowed to listen on ${where} (ports below 1024 need privileges)`
        : `permission denied: ${e.path ?? e.message}`;
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ETIMEDOUT':
      return `cannot reach ${where} (${e.code}): is it running, and is the URL right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve ${e.hostname ?? where} (${e.code}): check the host name in the URL`;
    case '28P01':
    case '28000':
      return `the database refused the credentials of DATABASE_URL: ${e.message}`;
    case '3D000':
      return `${e.message}: create it, or fix the database name in DATABASE_URL`;
    default:
      // fetch's own refusals (a blocked port, a malformed URL) carry no code, only a message.
      return error instanceof TypeError && error.cause instanceof Error
        ? `cannot reach the server: ${error.cause.message}`
        : null;
  }
}

/**
 * Ends the command with a message and an exit code: 2 for a usage or configuration error, 1 for anything
 * else. Everyday failures (a refused secret, an unreachable URL or database, a port in use) are one line;
 * only the unexpected prints a stack.
 */
function fail(error: unknown): never {
  const usage =
    error instanceof ConfigError || error instanceof StoreLockedError || error instanceof ServerKeyError;
  const message = usage ? error.message : (everydayMessage(error) ?? (error as Error).stack ?? String(error));
  console.error(`switchboard: ${message}`);
  process.exit(usage ? 2 : 1);
}

/**
 * `switchboard simulate | head` closes our stdout early: that is the reader saying it has enough, not a
 * failure, so the command ends at once, quietly and successfully (as `yes | head` does). Any other error on
 * stdout is reported like every other failure.
 */
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    fail(error);
  });
}
endQuietlyOnClosedPipe(process.stdout);

/** What a server's error answer means to the user, in one line (never the credentials that were sent). */
async function answerProblem(call: string, response: Response): Promise<string> {
  const text = await response.text();
  let message = text.slice(0, 500);
  try {
    message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
  } catch {
    // not JSON: the text itself
  }
  if (response.status === 401) return `${call}: the server refused the client id or secret (401): ${message}`;
  return `${call} answered ${response.status}: ${message}`;
}

interface ReportFlags {
  url: string;
  clientId: string;
  clientSecret: string;
  from: string;
  to: string;
  timeZone: string;
  interval: string;
  groups?: string;
  channels?: string;
  hours?: string;
  weekdays?: string;
  csv?: boolean;
}

/** A report row as JSON (each kind's columns read only its own fields). */
type ReportRow = QueueRow & OperatorRow & BotRow;
/** One table column: a header and how to show a row's value. */
type Column = [string, (row: ReportRow) => unknown];

const avgSeconds = (m: { sum: number; count: number }) =>
  m.count ? (m.sum / m.count / 1000).toFixed(1) : '–';
const REPORT_COLUMNS: Record<string, Column[]> = {
  queues: [
    ['queue', (r) => r.queue.name ?? r.queue.id],
    ['offered', (r) => r.offered],
    ['answered', (r) => r.answered],
    ['abandoned', (r) => r.abandoned],
    ['SL', (r) => (r.serviceLevel === null ? '–' : `${(r.serviceLevel * 100).toFixed(1)} %`)],
    ['ASA s', (r) => avgSeconds(r.waitMs)],
    ['AHT s', (r) => avgSeconds(r.handleMs)],
    ['transfers', (r) => r.transferred],
  ],
  operators: [
    ['operator', (r) => r.operator.name ?? r.operator.id],
    ['handled', (r) => r.handled],
    ['talk s', (r) => avgSeconds(r.talkMs)],
    ['ACW s', (r) => avgSeconds(r.acwMs)],
    ['missed', (r) => r.missedOffers],
    ['logged in min', (r) => (r.loggedInMs / 60_000).toFixed(1)],
    ['break min', (r) => (r.breakMs / 60_000).toFixed(1)],
    ['occupancy', (r) => (r.occupancy === null ? '–' : `${(r.occupancy * 100).toFixed(1)} %`)],
  ],
  bots: [
    ['bot', (r) => r.bot.botId],
    ['sessions', (r) => r.sessions],
    ['self-service', (r) => r.selfService],
    ['drop-off', (r) => r.dropOff],
    ['agent', (r) => r.agent],
  ],
};

async function printReport(kind: string, flags: ReportFlags): Promise<void> {
  const columns = REPORT_COLUMNS[kind];
  if (!columns) throw new ConfigError(`report: unknown kind '${kind}' (use: queues, operators, bots)`);
  const url = new URL(`/v1/analytics/${kind}`, flags.url);
  url.searchParams.set('from', flags.from);
  url.searchParams.set('to', flags.to);
  url.searchParams.set('timeZone', flags.timeZone);
  url.searchParams.set('interval', flags.interval);
  if (flags.groups) url.searchParams.set('groups', flags.groups);
  if (flags.channels) url.searchParams.set('channels', flags.channels);
  if (flags.hours) url.searchParams.set('hours', flags.hours);
  if (flags.weekdays) url.searchParams.set('weekdays', flags.weekdays);
  const response = await fetch(url, {
    headers: {
      authorization: `Basic ${Buffer.from(`${flags.clientId}:${flags.clientSecret}`).toString('base64')}`,
      ...(flags.csv ? { accept: 'text/csv' } : {}),
    },
  });
  if (!response.ok) throw new ServerAnswerError(await answerProblem(`GET ${url.pathname}`, response));
  if (flags.csv) {
    process.stdout.write(await response.text());
    return;
  }
  const { rows } = (await response.json()) as { rows: ReportRow[] };
  const table = [
    ['start', ...columns.map(([name]) => name)],
    ...rows.map((r) => [
      String(r.start).slice(0, 16).replace('T', ' '),
      ...columns.map(([, show]) => String(show(r))),
    ]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const [i, row] of table.entries()) {
    console.log(
      row
        .map((cell, j) => (j === 0 || j === 1 ? cell.padEnd(widths[j]) : cell.padStart(widths[j])))
        .join('  '),
    );
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

interface ExportFlags {
  url: string;
  clientId: string;
  clientSecret: string;
  out?: string;
  resume?: boolean;
  format: string;
  rows: string;
  createdFrom?: string;
  createdTo?: string;
}

/**
 * The sessionId of the last complete line of a partial export file, and the file's length up to it (the
 * torn last line is cut off before appending). NDJSON lines carry `sessionId`; CSV rows start with it.
 */
function resumePointOf(path: string, format: string): { after: string | null; keep: number } {
  const text = readFileSync(path, 'utf8');
  const keep = text.lastIndexOf('\n') + 1;
  const lines = text
    .slice(0, keep)
    .split('\n')
    .filter((l) => l !== '');
  const header = format === 'csv' ? 1 : 0;
  if (lines.length <= header) return { after: null, keep: 0 };
  const last = lines.at(-1)!;
  const after = format === 'csv' ? last.split(',')[0] : (JSON.parse(last) as { sessionId: string }).sessionId;
  return { after, keep: Buffer.byteLength(text.slice(0, keep)) };
}

async function exportToFile(flags: ExportFlags): Promise<void> {
  if (!['ndjson', 'csv'].includes(flags.format)) throw new ConfigError('--format must be ndjson or csv');
  if (flags.resume && !flags.out) throw new ConfigError('--resume needs --out');
  const url = new URL('/v1/exports/sessions', flags.url);
  url.searchParams.set('format', flags.format);
  url.searchParams.set('rows', flags.rows);
  if (flags.createdFrom) url.searchParams.set('createdFrom', flags.createdFrom);
  if (flags.createdTo) url.searchParams.set('createdTo', flags.createdTo);
  let append = false;
  if (flags.resume && flags.out && existsSync(flags.out)) {
    const { after, keep } = resumePointOf(flags.out, flags.format);
    truncateSync(flags.out, keep);
    if (after) {
      url.searchParams.set('after', after);
      append = true;
    }
  }
  const response = await fetch(url, {
    headers: {
      authorization: `Basic ${Buffer.from(`${flags.clientId}:${flags.clientSecret}`).toString('base64')}`,
    },
  });
  if (!response.ok || !response.body)
    throw new ServerAnswerError(await answerProblem('GET /v1/exports/sessions', response));
  const out = flags.out ? createWriteStream(flags.out, { flags: append ? 'a' : 'w' }) : process.stdout;
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ format: 'export {value} lines' }, cliProgress.Presets.shades_classic)
    : null;
  bar?.start(0, 0);
  let count = 0;
  let skipHeader = append && flags.format === 'csv';
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>, {
    encoding: 'utf8',
  });
  await pipeline(
    body,
    async function* (chunks: AsyncIterable<string>) {
      for await (const chunk of chunks) {
        let text = chunk;
        if (skipHeader) {
          const end = text.indexOf('\n');
          if (end < 0) continue;
          text = text.slice(end + 1);
          skipHeader = false;
        }
        count += text.split('\n').length - 1;
        bar?.update(count);
        yield text;
      }
    },
    out,
    ...(out === process.stdout ? [{ end: false }] : []),
  );
  bar?.stop();
  if (flags.out) console.error(`exported ${count} lines to ${flags.out}`);
}

const program = new Command('switchboard')
  .description('Contact-center session engine')
  .version(packageVersion(), '-V, --version')
  .showHelpAfterError()
  // Usage errors (an unknown flag, a missing or bad value) exit 2 as documented; help and --version exit 0.
  // Subcommands inherit this.
  .exitOverride((error) => {
    process.exit(
      ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(error.code) ? 0 : 2,
    );
  });

program
  .command('serve')
  .description(
    'start the HTTP server (embedded store in ./data unless --database-url / DATABASE_URL is given)',
  )
  .option('--port <port>', 'port to listen on (env PORT, default 8080)')
  .option('--host <host>', 'address to bind (env HOST, default 127.0.0.1)')
  .option('--data <dir>', 'data folder: embedded store, blobs (env SWITCHBOARD_DATA, default ./data)')
  .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL)')
  .option('--blob-dir <dir>', 'folder for file and recording bytes (default <data>/blobs)')
  .option('--public-url <url>', 'base URL used in download links (default: from the request)')
  .option(
    '--trust-proxy [spec]',
    'believe X-Forwarded-Proto/-Host from proxies: true, a hop count, or comma-separated addresses/CIDRs (env SWITCHBOARD_TRUST_PROXY, default off)',
  )
  .option('--demo', 'create a demo tenant, backfill 7 days of history and keep simulating live')
  .action(async (flags: Record<string, string | boolean | undefined>) => {
    try {
      const config = parseServerConfig(flags);
      // The demo's quick tour creates tenants: without a configured admin token it gets one for this run.
      const demoAdminToken = config.demo && !config.adminToken ? randomBytes(24).toString('hex') : undefined;
      if (demoAdminToken) config.adminToken = demoAdminToken;
      const server = await startServer(config);
      printBanner(server.url, server.db.kind, config.dataDir, server.demo, demoAdminToken);
      const shutdown = (signal: string) => {
        console.log(`\n${signal}: shutting down…`);
        server.stop().then(
          () => process.exit(0),
          (error: unknown) => fail(error),
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    } catch (error) {
      fail(error);
    }
  });

function printBanner(
  url: string,
  kind: string,
  dataDir: string,
  demo: { clientId: string; clientSecret: string; tenantId: string; departmentId: number } | null,
  adminToken: string | undefined,
): void {
  const lines = [
    `Switchboard is listening on ${url}  (store: ${kind === 'embedded' ? `embedded PGlite in ${dataDir}` : 'PostgreSQL'})`,
    `  API docs:  ${url}/docs`,
    `  Health:    ${url}/healthz`,
  ];
  if (demo) {
    lines.push(
      '',
      ...dashboardBanner(url, demo),
      '',
      `Demo tenant ${demo.tenantId} (departmentId ${demo.departmentId})`,
      `  clientId:     ${demo.clientId}`,
      `  clientSecret: ${demo.clientSecret}`,
      '',
      'Read the newest session:',
      `  curl -s -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/sessions?limit=1"`,
      `  curl -s -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/sessions/$(curl -s -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/sessions?limit=1" | node -pe 'JSON.parse(require("fs").readFileSync(0)).items[0].sessionId')"`,
      '',
      'Queues now, today in Prague, and every change as it happens:',
      `  curl -s -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/live/queues?timeZone=Europe/Prague"`,
      `  curl -s -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/analytics/queues?from=$(date +%F)&to=$(date -d tomorrow +%F)&timeZone=Europe/Prague&interval=PT1H"`,
      `  curl -N -H "Authorization: Bearer ${demo.clientSecret}" "${url}/v1/stream"`,
      '',
      'mluvii Public API token, and a Kore.ai auth JWT:',
      `  curl -s ${url}/login/connect/token -d grant_type=client_credentials -d client_id=${demo.clientId} -d client_secret=${demo.clientSecret}`,
      `  npx switchboard token kore --client-id ${demo.clientId} --client-secret ${demo.clientSecret}`,
    );
  }
  if (adminToken) {
    lines.push(
      '',
      'Admin token for this run (set SWITCHBOARD_ADMIN_TOKEN to choose a lasting one):',
      `  export SWITCHBOARD_ADMIN_TOKEN=${adminToken}`,
      `  curl -s -X POST ${url}/v1/tenants -H "Authorization: Bearer $SWITCHBOARD_ADMIN_TOKEN" -H 'Content-Type: application/json' -d '{"name":"Acme"}'`,
    );
  }
  console.log(lines.join('\n'));
}

const tenant = program.command('tenant').description('manage tenants');
tenant
  .command('create <name>')
  .description('create a tenant with one API client (embedded store: only while no server holds it)')
  .option('--json', 'print the result as JSON')
  .option('--department-id <n>', 'mluvii departmentId (default: next free)', integer('--department-id', 1))
  .option('--data <dir>', 'data folder (env SWITCHBOARD_DATA, default ./data)')
  .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL)')
  .action(
    async (
      name: string,
      flags: { json?: boolean; departmentId?: number; data?: string; databaseUrl?: string },
    ) => {
      try {
        const config = parseServerConfig({
          ...(flags.data ? { data: flags.data } : {}),
          ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
        });
        const { db, release } = await openConfiguredStore({ ...config, statementTimeoutMs: 0 });
        try {
          const created = await db.tx((q) => createTenant(q, { name, departmentId: flags.departmentId }));
          if (flags.json) console.log(JSON.stringify(created, null, 2));
          else {
            console.log(`tenant ${created.id} "${created.name}" (departmentId ${created.departmentId})`);
            console.log(`clientId:     ${created.credentials.clientId}`);
            console.log(`clientSecret: ${created.credentials.clientSecret}   (shown once; keep it safe)`);
          }
        } finally {
          await db.close();
          release();
        }
      } catch (error) {
        fail(error);
      }
    },
  );

/** The store the flags (or the environment) name, opened for one command and closed after it. */
async function withStore<T>(
  flags: StoreFlags,
  run: (db: Awaited<ReturnType<typeof openConfiguredStore>>['db'], blobDir: string) => Promise<T>,
): Promise<T> {
  const config = parseServerConfig({
    ...(flags.data ? { data: flags.data } : {}),
    ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
  });
  const { db, release } = await openConfiguredStore({ ...config, statementTimeoutMs: 0 });
  try {
    return await run(db, config.blobDir);
  } finally {
    await db.close();
    release();
  }
}

interface StoreFlags {
  json?: boolean;
  data?: string;
  databaseUrl?: string;
}

/** The options every command on the store takes. */
const onStore = (command: Command) =>
  command
    .option('--json', 'print the result as JSON')
    .option('--data <dir>', 'data folder (env SWITCHBOARD_DATA, default ./data)')
    .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL)');

/**
 * Runs a store command: its result as JSON with --json, else as the lines `text` makes of it. Commander calls
 * an action with the arguments, then the options, then the command.
 */
const storeAction =
  <A extends unknown[], T>(
    run: (db: Db, blobDir: string, ...args: A) => Promise<T>,
    text: (result: T) => string,
  ) =>
  async (...args: [...A, StoreFlags, unknown]) => {
    const flags = args[args.length - 2] as StoreFlags;
    try {
      const result = await withStore(flags, (db, blobDir) => run(db, blobDir, ...(args.slice(0, -2) as A)));
      console.log(flags.json ? JSON.stringify(result, null, 2) : text(result));
    } catch (error) {
      fail(error);
    }
  };

const tenantLine = (t: TenantRecord) =>
  `${t.id}  ${t.name}  (departmentId ${t.departmentId}, created ${t.createdAt})`;
const clientLine = (c: ClientRecord) =>
  `${c.clientId}  ${c.role.padEnd(8)}  ${c.name ?? '-'}  created ${c.createdAt}${c.revokedAt ? `  REVOKED ${c.revokedAt}` : ''}${c.previousSecretExpiresAt && !c.revokedAt ? `  old secret valid until ${c.previousSecretExpiresAt}` : ''}`;
const roleOption = (value: string): Role => {
  if (!(ROLES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
};

onStore(tenant.command('list').description('list the tenants')).action(
  storeAction(
    async (db) => {
      const all: TenantRecord[] = [];
      for (let after: string | undefined; ;) {
        const page = await listTenants(db, { limit: 1000, after });
        all.push(...page.tenants);
        if (page.next === null) return all;
        after = page.next;
      }
    },
    (tenants) => (tenants.length === 0 ? 'no tenants' : tenants.map(tenantLine).join('\n')),
  ),
);
onStore(tenant.command('show <tenantId>').description('a tenant, its settings and its clients')).action(
  storeAction(
    async (db, _blobs, id: string) => ({ ...(await getTenant(db, id)), clients: await listClients(db, id) }),
    (t) =>
      [
        tenantLine(t),
        `kore limits: ${t.settings.kore.perMinute ?? 'default'}/min, ${t.settings.kore.perHour ?? 'default'}/h`,
        ...t.clients.map((c) => `  ${clientLine(c)}`),
      ].join('\n'),
  ),
);
onStore(tenant.command('rename <tenantId> <name>').description('rename a tenant')).action(
  storeAction((db, _blobs, id: string, name: string) => updateTenant(db, id, { name }), tenantLine),
);
onStore(
  tenant
    .command('delete <tenantId>')
    .description('delete a tenant with all its sessions, events, files and clients')
    .option('--yes', 'really delete (required)'),
).action(async (id: string, flags: StoreFlags & { yes?: boolean }) => {
  if (!flags.yes) fail(new ConfigError(`tenant delete removes every session of ${id} for good: add --yes`));
  await storeAction(
    async (db, blobDir) => ({ id, deleted: await deleteTenant(db, fileBlobStore(blobDir), id) }),
    (r) => `tenant ${r.id} deleted: ${r.deleted.sessions} sessions, ${r.deleted.files} files`,
  )(flags, null);
});

const client = program.command('client').description("manage a tenant's API clients and their roles");
onStore(
  client
    .command('add <tenantId>')
    .description('add an API client; its secret is printed once')
    .requiredOption('--role <role>', `${ROLES.join(', ')} (docs/operations.md#roles)`, roleOption)
    .option('--name <name>', 'who holds it (a label for people)'),
).action(async (tenantId: string, flags: StoreFlags & { role: Role; name?: string }) => {
  try {
    const created = await withStore(flags, (db) =>
      db.tx((q) => createClient(q, tenantId, { role: flags.role, name: flags.name })),
    );
    if (flags.json) console.log(JSON.stringify(created, null, 2));
    else {
      console.log(clientLine(created));
      console.log(`clientSecret: ${created.clientSecret}   (shown once; keep it safe)`);
    }
  } catch (error) {
    fail(error);
  }
});
onStore(client.command('list <tenantId>').description("a tenant's clients, revoked ones included")).action(
  storeAction(
    (db, _blobs, tenantId: string) => listClients(db, tenantId),
    (clients) => clients.map(clientLine).join('\n'),
  ),
);
onStore(
  client
    .command('rotate <tenantId> <clientId>')
    .description('give a client a new secret; the old one works for the grace period')
    .option(
      '--grace-seconds <s>',
      'how long the old secret keeps working',
      integer('--grace-seconds'),
      86_400,
    ),
).action(async (tenantId: string, clientId: string, flags: StoreFlags & { graceSeconds: number }) => {
  try {
    if (flags.graceSeconds > 30 * 86_400)
      throw new ConfigError('--grace-seconds is at most 30 days (2592000)');
    const rotated = await withStore(flags, (db) =>
      rotateClient(db, tenantId, clientId, flags.graceSeconds, Date.now()),
    );
    if (flags.json) console.log(JSON.stringify(rotated, null, 2));
    else {
      console.log(clientLine(rotated));
      console.log(`clientSecret: ${rotated.clientSecret}   (shown once; keep it safe)`);
    }
  } catch (error) {
    fail(error);
  }
});
onStore(
  client.command('revoke <tenantId> <clientId>').description('revoke a client in every dialect'),
).action(
  storeAction(
    async (db, _blobs, tenantId: string, clientId: string) => {
      await revokeClient(db, tenantId, clientId, { keepAnAdmin: false, now: Date.now() });
      return { clientId, revoked: true };
    },
    (r) => `client ${r.clientId} revoked`,
  ),
);

program
  .command('retention')
  .description('apply every tenant’s retention policy now (servers also do it hourly; docs/retention.md)')
  .argument('<action>', 'run')
  .option('--json', 'print the report as JSON')
  .option('--data <dir>', 'data folder (env SWITCHBOARD_DATA, default ./data)')
  .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL)')
  .action(async (action: string, flags: { json?: boolean; data?: string; databaseUrl?: string }) => {
    try {
      if (action !== 'run') throw new ConfigError(`retention: unknown action '${action}' (use: run)`);
      const config = parseServerConfig({
        ...(flags.data ? { data: flags.data } : {}),
        ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
      });
      const { db, release } = await openConfiguredStore({ ...config, statementTimeoutMs: 0 });
      try {
        const report = await runRetention(db, fileBlobStore(config.blobDir));
        if (flags.json) console.log(JSON.stringify(report, null, 2));
        else if (!report.ran)
          console.log(`another server is running retention (${report.heldBy}); nothing done`);
        else if (report.tenants.length === 0) console.log('no tenant has a retention policy');
        else
          for (const t of report.tenants)
            console.log(
              `tenant ${t.tenantId}: ${t.deleted} sessions deleted, ${t.anonymized} anonymised, ${t.deliveriesPruned} webhook deliveries pruned`,
            );
      } finally {
        await db.close();
        release();
      }
    } catch (error) {
      fail(error);
    }
  });

program
  .command('analytics')
  .description('recompute the analytics rollups from the sessions and report differences (docs/metrics.md)')
  .argument('<action>', 'rebuild')
  .option(
    '--fix',
    'replace rollups that differ with the recomputed ones (and store contributions kept as jsonb as bytes)',
  )
  .option('--json', 'print the report as JSON')
  .option('--data <dir>', 'data folder (env SWITCHBOARD_DATA, default ./data)')
  .option('--database-url <url>', 'PostgreSQL connection string (env DATABASE_URL)')
  .action(
    async (action: string, flags: { fix?: boolean; json?: boolean; data?: string; databaseUrl?: string }) => {
      try {
        if (action !== 'rebuild')
          throw new ConfigError(`analytics: unknown action '${action}' (use: rebuild)`);
        const config = parseServerConfig({
          ...(flags.data ? { data: flags.data } : {}),
          ...(flags.databaseUrl ? { databaseUrl: flags.databaseUrl } : {}),
        });
        const { db, release } = await openConfiguredStore({ ...config, statementTimeoutMs: 0 });
        try {
          const reports = await rebuildAnalytics(db, { fix: flags.fix === true });
          if (flags.json) console.log(JSON.stringify(reports, null, 2));
          else
            for (const r of reports)
              console.log(
                `tenant ${r.tenantId}: ${r.sessions} sessions, ${r.staleSessions} stale contributions, ${r.legacySessions} stored as jsonb, ${r.differingRows} rollup rows differ${r.fixed ? ' — fixed' : ''}`,
              );
        } finally {
          await db.close();
          release();
        }
      } catch (error) {
        fail(error);
      }
    },
  );

const token = program.command('token').description('make API tokens');
token
  .command('kore')
  .description('print a Kore.ai `auth` JWT: HS256 signed with the client secret, claim appId = the client id')
  .requiredOption(
    '--client-id <id>',
    'the client id (env SWITCHBOARD_CLIENT_ID)',
    process.env.SWITCHBOARD_CLIENT_ID,
  )
  .requiredOption(
    '--client-secret <secret>',
    'the client secret (env SWITCHBOARD_CLIENT_SECRET)',
    process.env.SWITCHBOARD_CLIENT_SECRET,
  )
  .option('--expires-in <seconds>', 'lifetime in seconds (0 = no exp claim)', integer('--expires-in'), 3600)
  .option('--jti', 'add a random jti: the token is then accepted once (needs --expires-in ≤ 3600)')
  .option('--sub <subject>', 'the sub claim', 'switchboard-cli')
  .action(
    async (flags: {
      clientId: string;
      clientSecret: string;
      expiresIn: number;
      jti?: boolean;
      sub: string;
    }) => {
      try {
        console.log(await koreToken(flags));
      } catch (error) {
        fail(error);
      }
    },
  );

program
  .command('simulate')
  .description(
    'generate a seeded, deterministic contact-center history as NDJSON events (or post it to a server)',
  )
  .requiredOption('--sessions <n>', 'number of sessions', integer('--sessions', 1))
  .option('--seed <s>', 'random seed (same seed and window, same output)', integer('--seed'), 1)
  .option('--days <d>', 'length of the window in days', integer('--days', 1), 7)
  .option('--start <iso>', 'start of the window (default: now minus --days)')
  .option('--url <url>', 'post the events to this Switchboard server instead of printing them')
  .option('--client-id <id>', 'client id for --url')
  .option('--client-secret <secret>', 'client secret for --url')
  .option('--batch <n>', 'events per POST with --url', integer('--batch', 1), 1000)
  .action(
    async (flags: {
      sessions: number;
      seed: number;
      days: number;
      start?: string;
      url?: string;
      clientId?: string;
      clientSecret?: string;
      batch: number;
    }) => {
      try {
        const start = flags.start ? Date.parse(flags.start) : Date.now() - flags.days * 86_400_000;
        if (Number.isNaN(start)) throw new ConfigError(`--start: '${flags.start}' is not a date`);
        const sessions = simulate({
          seed: flags.seed,
          sessions: flags.sessions,
          start,
          end: start + flags.days * 86_400_000,
        });
        if (!flags.url) {
          for (const events of sessions) {
            if (!process.stdout.write(events.map((e) => JSON.stringify(e)).join('\n') + '\n')) {
              await new Promise((done) => process.stdout.once('drain', done));
            }
          }
          return;
        }
        if (!flags.clientId || !flags.clientSecret)
          throw new ConfigError('--url needs --client-id and --client-secret');
        await post(flags.url, flags.clientId, flags.clientSecret, flags.batch, flags.sessions, sessions);
      } catch (error) {
        fail(error);
      }
    },
  );

async function post(
  url: string,
  clientId: string,
  secret: string,
  batchSize: number,
  total: number,
  sessions: Iterable<SessionEvent[]>,
): Promise<void> {
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar(
        { format: 'simulate |{bar}| {value}/{total} sessions | {events} events' },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(total, 0, { events: 0 });
  const auth = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
  let batch: SessionEvent[] = [];
  let sent = 0;
  let done = 0;
  let accepted = 0;
  let duplicates = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const response = await fetch(new URL('/v1/events', url), {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-ndjson' },
      body: batch.map((e) => JSON.stringify(e)).join('\n'),
    });
    if (!response.ok) throw new ServerAnswerError(await answerProblem('POST /v1/events', response));
    const result = (await response.json()) as { accepted: number; duplicates: number };
    accepted += result.accepted;
    duplicates += result.duplicates;
    sent += batch.length;
    batch = [];
  };
  for (const events of sessions) {
    batch.push(...events);
    done++;
    if (batch.length >= batchSize) await flush();
    bar?.update(done, { events: sent });
  }
  await flush();
  bar?.update(done, { events: sent });
  bar?.stop();
  console.error(
    `posted ${sent} events of ${done} sessions to ${url}: ${accepted} accepted, ${duplicates} duplicates (already there)`,
  );
}

program
  .command('export')
  .description('download every session of a range from a server as NDJSON or CSV (docs/export.md)')
  .requiredOption('--url <url>', 'the Switchboard server')
  .requiredOption(
    '--client-id <id>',
    'client id (env SWITCHBOARD_CLIENT_ID)',
    process.env.SWITCHBOARD_CLIENT_ID,
  )
  .requiredOption(
    '--client-secret <secret>',
    'client secret (env SWITCHBOARD_CLIENT_SECRET)',
    process.env.SWITCHBOARD_CLIENT_SECRET,
  )
  .option('--out <file>', 'write to this file (default: standard output)')
  .option('--resume', 'continue an --out file a broken download left, after its last complete line')
  .option('--format <format>', 'ndjson or csv', 'ndjson')
  .option('--rows <rows>', 'sessions, or operators (one row an operator leg)', 'sessions')
  .option('--created-from <iso>', 'sessions created at or after this instant')
  .option('--created-to <iso>', 'sessions created before this instant')
  .action(async (flags: ExportFlags) => {
    try {
      await exportToFile(flags);
    } catch (error) {
      fail(error);
    }
  });

program
  .command('report')
  .description('print an analytics report as a table (docs/metrics.md)')
  .argument('<kind>', 'queues, operators or bots')
  .requiredOption('--url <url>', 'the Switchboard server')
  .requiredOption(
    '--client-id <id>',
    'client id (env SWITCHBOARD_CLIENT_ID)',
    process.env.SWITCHBOARD_CLIENT_ID,
  )
  .requiredOption(
    '--client-secret <secret>',
    'client secret (env SWITCHBOARD_CLIENT_SECRET)',
    process.env.SWITCHBOARD_CLIENT_SECRET,
  )
  .requiredOption('--from <date>', 'YYYY-MM-DD (midnight in the zone) or an RFC 3339 instant')
  .requiredOption('--to <date>', 'exclusive end, as --from')
  .option('--time-zone <zone>', 'IANA time zone', 'UTC')
  .option('--interval <interval>', 'PT15M, PT30M, PT1H, P1D, P1W, P1M or ALL', 'P1D')
  .option('--groups <ids>', 'comma-separated queue ids (queues only)')
  .option('--channels <channels>', 'comma-separated channels')
  .option('--hours <HH:MM-HH:MM>', 'business hours in the zone, end exclusive (queues only)')
  .option('--weekdays <days>', 'business days, ISO weekdays 1 (Monday) to 7 (queues only)')
  .option('--csv', 'print CSV instead of a table')
  .action(async (kind: string, flags: ReportFlags) => {
    try {
      await printReport(kind, flags);
    } catch (error) {
      fail(error);
    }
  });

program.parseAsync(process.argv).catch(fail);
