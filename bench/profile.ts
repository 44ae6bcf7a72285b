/**
 * `--profile`: CPU profiles of the server (`node --cpu-prof`) during a read burst and during an intake
 * burst, each in a server process of its own, summarised as the top self-time functions.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './procs.js';

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy time (everything but idle). */
  share: number;
}

export interface ProfileSummary {
  label: string;
  busyMs: number;
  top: HotFunction[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  /** Microseconds on the monotonic clock, which on Linux is `process.hrtime`'s in every process. */
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Now on the clock of a CPU profile's timestamps, in microseconds. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

function where(url: string, line: number): string {
  if (url === '') return '';
  let path = url;
  if (url.startsWith('file://')) {
    path = relative(ROOT, fileURLToPath(url));
    const modules = path.lastIndexOf('node_modules/');
    if (modules >= 0) path = path.slice(modules);
  }
  return `${path}:${line + 1}`;
}

/**
 * The top `count` functions by self time of a `.cpuprofile`, counting only the samples taken within `window`
 * (monotonic µs) when given: the server's start-up (module loading, schema compilation) is not the burst.
 */
export function summarise(
  label: string,
  file: string,
  window?: { from: number; to: number },
  count = 10,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byNode = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const self = new Map<string, HotFunction>();
  let busy = 0;
  let clock = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    clock += profile.timeDeltas[i] ?? 0;
    if (window && (clock < window.from || clock > window.to)) continue;
    // A sample's time is the gap to the next one.
    const us = profile.timeDeltas[i + 1] ?? 0;
    const frame = byNode.get(profile.samples[i]);
    if (!frame || frame.functionName === '(idle)') continue;
    busy += us;
    const name = frame.functionName || '(anonymous)';
    const at = where(frame.url, frame.lineNumber);
    const key = `${name}\u0000${at}`;
    const entry = self.get(key) ?? { name, where: at, selfMs: 0, share: 0 };
    entry.selfMs += us / 1000;
    self.set(key, entry);
  }
  const top = [...self.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, count)
    .map((f) => ({ ...f, share: busy > 0 ? f.selfMs / (busy / 1000) : 0 }));
  return { label, busyMs: busy / 1000, top };
}

/**
 * Runs `burst` against a server started in `profileDir` and summarises the profile it leaves on exit, over
 * the burst's time only. `warm` runs first, outside that window (lazily compiled serialisers and the like).
 */
export async function profiled(
  label: string,
  start: (profileDir: string) => Promise<{ stop(): Promise<void> }>,
  warm: () => Promise<void>,
  burst: () => Promise<void>,
): Promise<ProfileSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
  try {
    const server = await start(dir);
    const window = { from: 0, to: 0 };
    try {
      await warm();
      window.from = monotonicUs();
      await burst();
      window.to = monotonicUs();
    } finally {
      await server.stop();
    }
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (the embedded store's
    // worker thread, when there is one, leaves a profile of its own).
    const file = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
    if (!file) throw new Error(`the server left no CPU profile in ${dir}`);
    const summary = summarise(label, join(dir, file), window);
    // Should the clocks ever disagree, the whole profile is better than none.
    return summary.busyMs > 0 ? summary : summarise(`${label}, whole process`, join(dir, file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
