/**
 * Measurements against a running server, the load always coming from a load-generator process:
 * each call single-client and with 16 clients; GET by id against the static baseline at 32 connections,
 * back to back; and the embedded store's responsiveness (other requests while one tenant runs heavy queries).
 */
import type { CannonResult, HttpRequest } from './loadgen.js';
import { startLoadgen, startStatic, type Loadgen } from './procs.js';
import type { Call } from './calls.js';

export interface Settings {
  /** Seconds per measurement. */
  duration: number;
  /** Fewest requests a measurement takes, however slow the call (each client sends at least 2 in the concurrent run). */
  minSamples: number;
  concurrency: number;
  log: (line: string) => void;
}

export interface CallTiming {
  call: Call;
  single: CannonResult;
  concurrent: CannonResult;
}

function checked(what: string, result: CannonResult): CannonResult {
  if (result.non2xx > 0 || result.errors > 0 || result.latency.n === 0)
    throw new Error(
      `${what}: ${result.non2xx} non-2xx answers and ${result.errors} errors in ${result.latency.n} answers to ${result.sent} requests (list restarted ${result.resets} times); first failure: ${result.firstFailure ?? 'none'}`,
    );
  return result;
}

/** Single-client then `concurrency` clients; a call too slow for the duration gets a fixed number of requests. */
export async function measureCall(
  loadgen: Loadgen,
  base: string,
  call: Call,
  s: Settings,
): Promise<CallTiming> {
  const what = `${call.name} (${call.page})`;
  const warmUp = () => loadgen.cannon({ url: base, connections: 1, amount: 3, requests: call.requests });
  let first = await warmUp();
  // Once, on a loaded machine, a first run came back with no answers and no error: it is tried again.
  if (first.latency.n === 0 && first.errors === 0 && first.non2xx === 0) first = await warmUp();
  const warm = checked(what, first);
  const each = warm.latency.p50;
  const single = checked(
    what,
    await loadgen.cannon({
      url: base,
      connections: 1,
      requests: call.requests,
      ...(each * s.minSamples <= s.duration * 1000 ? { duration: s.duration } : { amount: s.minSamples }),
    }),
  );
  const concurrent = checked(
    what,
    await loadgen.cannon({
      url: base,
      connections: s.concurrency,
      requests: call.requests,
      ...(each * s.concurrency <= s.duration * 1000
        ? { duration: s.duration }
        : { amount: Math.max(2 * s.concurrency, s.minSamples) }),
    }),
  );
  s.log(
    `  ${what}: single p95 ${single.latency.p95.toFixed(1)} ms (n ${single.latency.n}), ${s.concurrency} clients p95 ${concurrent.latency.p95.toFixed(1)} ms, ${concurrent.rps.toFixed(0)} req/s`,
  );
  return { call, single, concurrent };
}

export interface ReadRatio {
  bodyBytes: number;
  app: CannonResult;
  fixed: CannonResult;
}

/** GET by id at 32 connections, then Fastify answering the same bytes statically, back to back. */
export async function readVsStatic(
  loadgen: Loadgen,
  base: string,
  get: Call,
  seconds: number,
  log: (line: string) => void,
): Promise<ReadRatio> {
  // The static body is a session of median size among the first sampled ones.
  const sizes: { size: number; body: string }[] = [];
  for (const request of get.requests.slice(0, 21)) {
    const response = await fetch(new URL(request.path, base), { headers: request.headers });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`${request.path} answered ${response.status}: ${body}`);
    sizes.push({ size: Buffer.byteLength(body), body });
  }
  sizes.sort((a, b) => a.size - b.size);
  const { body, size } = sizes[Math.floor(sizes.length / 2)];
  const run = async (url: string) =>
    checked(
      'GET by id at 32 connections',
      await loadgen.cannon({ url, connections: 32, duration: seconds, requests: get.requests }),
    );
  await loadgen.cannon({ url: base, connections: 32, amount: 200, requests: get.requests });
  const app = await run(base);
  const fixed = await startStatic(body);
  try {
    await loadgen.cannon({ url: fixed.url, connections: 32, amount: 200, requests: get.requests });
    const baseline = await run(fixed.url);
    log(
      `  GET by id at 32 connections: ${app.rps.toFixed(0)} req/s (p99 ${app.latency.p99.toFixed(1)} ms) vs static ${baseline.rps.toFixed(0)} req/s (p99 ${baseline.latency.p99.toFixed(1)} ms): ${((100 * app.rps) / baseline.rps).toFixed(0)} %`,
    );
    return { bodyBytes: size, app, fixed: baseline };
  } finally {
    await fixed.stop();
  }
}

export interface Responsiveness {
  heavy: CannonResult;
  healthz: CannonResult;
  otherTenant: CannonResult;
  heavyCalls: string[];
}

/**
 * While one tenant runs heavy queries (its deepest list pages, 2 clients), `/healthz` and another tenant's
 * GET by id are probed at 20 requests/s each, from load generators of their own.
 */
export async function responsiveness(
  base: string,
  heavy: Call[],
  otherGets: HttpRequest[],
  seconds: number,
  log: (line: string) => void,
): Promise<Responsiveness> {
  const [load, probeA, probeB] = [startLoadgen(), startLoadgen(), startLoadgen()];
  try {
    const running = load.cannon({
      url: base,
      connections: 2,
      duration: seconds + 1,
      requests: heavy.flatMap((c) => c.requests),
    });
    running.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    // Let the heavy load start first.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const probe = (loadgen: Loadgen, requests: HttpRequest[]) =>
      loadgen.probe({ url: base, intervalMs: 50, duration: seconds, requests });
    const [healthz, otherTenant] = await Promise.all([
      probe(probeA, [{ method: 'GET', path: '/healthz' }]),
      probe(probeB, otherGets),
    ]);
    const result = {
      heavy: checked('heavy queries', await running),
      healthz: checked('/healthz probe', healthz),
      otherTenant: checked('other tenant probe', otherTenant),
      heavyCalls: heavy.map((c) => `${c.dialect} ${c.page}`),
    };
    log(
      `  while heavy queries run (${result.heavy.latency.n} done, p50 ${result.heavy.latency.p50.toFixed(0)} ms): /healthz max ${healthz.latency.max.toFixed(1)} ms, other tenant GET max ${otherTenant.latency.max.toFixed(1)} ms`,
    );
    return result;
  } finally {
    await Promise.all([load.close(), probeA.close(), probeB.close()]);
  }
}
