/**
 * The bench's processes: the real server (`node bin/switchboard.js serve`, optionally under `--cpu-prof`), the
 * static baseline and the load generator, each a process of its own. Every child is stopped when the bench
 * ends, however it ends.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  CannonJob,
  CannonResult,
  IntakeJob,
  IntakeResult,
  Job,
  LiveJob,
  LiveResult,
  ProbeJob,
  SubscribeJob,
  SubscribeResult,
} from './loadgen.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Stops a child with SIGINT (a graceful stop, which also writes a CPU profile) or SIGKILL after `graceMs`. */
async function stop(child: ChildProcess, graceMs = 30_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

export interface ServerTarget {
  databaseUrl?: string;
  /** Data folder of an embedded store. */
  dataDir?: string;
}

export interface RunningServer {
  url: string;
  pid: number;
  /** Where its output goes (removed when it is stopped). */
  logFile: string;
  stop(): Promise<void>;
}

/**
 * The server key of every process the bench starts (CLI and servers alike), so that what one seals another
 * opens; on PostgreSQL a server refuses to start without one (docs/security.md). A bench dataset holds only
 * simulated data: a fixed, public key is fine here and only here. `SWITCHBOARD_SECRET_KEY` overrides it.
 */
const BENCH_SECRET_KEY = process.env.SWITCHBOARD_SECRET_KEY ?? 'switchboard-bench-only-key-0123456789abcdef';
// The bench's own in-process apps (the plans, the analytics baseline) open the same secrets as its servers.
process.env.SWITCHBOARD_SECRET_KEY = BENCH_SECRET_KEY;

/**
 * Starts `switchboard serve` on a free port of 127.0.0.1 and waits until it listens. Its output (a JSON line per
 * request at `info`) goes to a file, as `serve >> switchboard.log` would: read through a pipe by this process, the
 * reading competed with the server for the machine's two cores and halved GET by id (docs/performance.md).
 */
export async function startServer(
  target: ServerTarget,
  options: { adminToken: string; profileDir?: string },
): Promise<RunningServer> {
  const args = [
    ...(options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : []),
    'bin/switchboard.js',
    'serve',
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    ...(target.databaseUrl ? ['--database-url', target.databaseUrl] : ['--data', target.dataDir!]),
  ];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SWITCHBOARD_ADMIN_TOKEN: options.adminToken,
    SWITCHBOARD_SECRET_KEY: BENCH_SECRET_KEY,
    // The embedded store's periodic VACUUM would land at a random point of a measurement.
    SWITCHBOARD_MAINTENANCE_INTERVAL_MS: String(24 * 3_600_000),
  };
  delete env.DATABASE_URL;
  delete env.SWITCHBOARD_LOG_REQUESTS;
  const logDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const logFile = join(logDir, 'server.log');
  const fd = openSync(logFile, 'w');
  const child = track(spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', fd, fd] }));
  closeSync(fd);
  const output = () => readFileSync(logFile, 'utf8');
  let exit: string | null = null;
  child.once('exit', (code) => (exit = String(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output());
      if (match) resolve(match[1]);
      else if (exit !== null) {
        const failure = new Error(`switchboard serve exited (${exit}) before listening:\n${output()}`);
        rmSync(logDir, { recursive: true, force: true });
        reject(failure);
      } else return;
      clearInterval(poll);
    }, 50);
  });
  return {
    url,
    pid: child.pid!,
    logFile,
    stop: () => stop(child).finally(() => rmSync(logDir, { recursive: true, force: true })),
  };
}

/** Runs the CLI once and returns its standard output (e.g. `tenant create --json`). */
export async function cli(args: string[]): Promise<string> {
  const child = track(
    spawn(process.execPath, ['bin/switchboard.js', ...args], {
      cwd: ROOT,
      stdio: 'pipe',
      env: { ...process.env, SWITCHBOARD_SECRET_KEY: BENCH_SECRET_KEY },
    }),
  );
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`switchboard ${args.slice(0, 2).join(' ')} failed (${code}): ${err}`);
  return out;
}

/** The static baseline server answering `body` for every session id. */
export async function startStatic(body: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = track(fork(new URL('./static-server.js', import.meta.url), { stdio: 'inherit' }));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message: { url: string }) => resolve(message.url));
    child.once('exit', (code) => reject(new Error(`static server exited (${code})`)));
    child.send({ body });
  });
  return { url, stop: () => stop(child, 5_000) };
}

export interface Loadgen {
  cannon(job: Omit<CannonJob, 'type'>): Promise<CannonResult>;
  intake(job: Omit<IntakeJob, 'type'>): Promise<IntakeResult>;
  probe(job: Omit<ProbeJob, 'type'>): Promise<CannonResult>;
  subscribe(job: Omit<SubscribeJob, 'type'>): Promise<SubscribeResult>;
  live(job: Omit<LiveJob, 'type'>): Promise<LiveResult>;
  close(): Promise<void>;
}

/** A load-generator process; jobs run one at a time per process (start two for concurrent loads). */
export function startLoadgen(options: { nice?: number } = {}): Loadgen {
  const child = track(fork(new URL('./loadgen.js', import.meta.url), { stdio: 'inherit' }));
  // A background load (stream readers beside a measured intake) yields the cores to the server under test.
  if (options.nice !== undefined && child.pid !== undefined) setPriority(child.pid, options.nice);
  let nextId = 0;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  child.once('exit', (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`load generator exited (${code})`));
    pending.clear();
  });
  const send = <T>(job: Job) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.send({ id, job });
    });
  return {
    cannon: (job) => send<CannonResult>({ type: 'cannon', ...job }),
    intake: (job) => send<IntakeResult>({ type: 'intake', ...job }),
    probe: (job) => send<CannonResult>({ type: 'probe', ...job }),
    subscribe: (job) => send<SubscribeResult>({ type: 'subscribe', ...job }),
    live: (job) => send<LiveResult>({ type: 'live', ...job }),
    close: async () => {
      child.disconnect();
      await exited(child);
    },
  };
}
