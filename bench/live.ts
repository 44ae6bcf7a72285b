/**
 * The live part (issue 12's benchmark): `GET /v1/live/queues` at one client on the dataset's tenant; the delay
 * from a `POST /v1/events` answer to the moment each of 100 SSE subscribers has the batch's session changes;
 * and intake with 100 subscribers reading the stream against intake with none, back to back. Subscribers and
 * posters run in load-generator processes, never in the server's.
 */
import type { Latency } from './stats.js';
import { adminTenant } from './intake.js';
import { startLoadgen, type Loadgen, type RunningServer } from './procs.js';
import type { LiveResult } from './loadgen.js';
import type { Workload } from './workload.js';

export interface LiveTiming {
  queues: Latency;
  subscribers: number;
  stream: LiveResult;
  /** Events per second through `POST /v1/events` with no subscriber, and with `subscribers` reading. */
  intakeAlone: number;
  intakeWith: number;
}

/** Tenants this part creates; a later run removes what an interrupted one left. */
export const LIVE_TENANT_PREFIX = 'bench-live';

export async function liveBench(options: {
  server: RunningServer;
  adminToken: string;
  loadgen: Loadgen;
  /** The dataset tenant's secret (its live queues are read). */
  secret: string;
  window: { start: number; end: number };
  seed: number;
  quick: boolean;
  log: (line: string) => void;
}): Promise<LiveTiming> {
  const { server, loadgen, log } = options;
  const subscribers = 100;
  const queues = await loadgen.cannon({
    url: server.url,
    connections: 1,
    duration: options.quick ? 1 : 5,
    requests: [
      {
        method: 'GET',
        path: '/v1/live/queues?timeZone=Europe/Prague',
        headers: { authorization: `Bearer ${options.secret}` },
      },
    ],
  });
  if (queues.non2xx > 0) throw new Error(`GET /v1/live/queues failed: ${queues.firstFailure}`);
  log(`  live queues: p95 ${queues.latency.p95.toFixed(1)} ms`);

  const tenant = (name: string) =>
    adminTenant(server.url, options.adminToken, `${LIVE_TENANT_PREFIX}-${name}`);
  const workload = (seed: number, sessions: number, batchEvents: number): Workload => ({
    seed,
    sessions,
    ...options.window,
    batchEvents,
  });

  // One whole session a batch, 20 batches a second: a steady live load, each batch's changes awaited.
  const streamed = await tenant('stream');
  const stream = await loadgen.live({
    url: server.url,
    authorization: `Bearer ${streamed.secret}`,
    subscribers,
    perSecond: 20,
    workload: workload(options.seed + 300, options.quick ? 40 : 400, 1),
  });
  log(
    `  stream: ${stream.batches} batches to ${subscribers} subscribers, p50 ${stream.latency.p50.toFixed(1)} / p99 ${stream.latency.p99.toFixed(1)} ms, ${stream.missing} missing`,
  );

  const sessions = options.quick ? 200 : 2_000;
  const alone = await tenant('alone');
  const intakeAlone = await loadgen.intake({
    url: server.url,
    authorization: `Bearer ${alone.secret}`,
    workload: workload(options.seed + 400, sessions, 1000),
  });
  const watched = await tenant('watched');
  // The readers stand for clients on other machines: at low priority, so that on a small machine their own
  // parsing does not take the server's cores and the ratio shows what the subscribers cost the server.
  const readers = startLoadgen({ nice: 15 });
  try {
    const reading = readers.subscribe({
      url: server.url,
      authorization: `Bearer ${watched.secret}`,
      subscribers,
      // Long enough to outlast the intake beside it (twice the time it took alone, and some).
      seconds: 2 * intakeAlone.seconds + 5,
    });
    // The subscribers connect before the clock starts.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const intakeWith = await loadgen.intake({
      url: server.url,
      authorization: `Bearer ${watched.secret}`,
      workload: workload(options.seed + 500, sessions, 1000),
    });
    const read = await reading;
    log(
      `  intake: ${(intakeAlone.events / intakeAlone.seconds).toFixed(0)} events/s alone, ${(intakeWith.events / intakeWith.seconds).toFixed(0)} with ${subscribers} subscribers (${read.events} stream events read)`,
    );
    return {
      queues: queues.latency,
      subscribers,
      stream,
      intakeAlone: intakeAlone.events / intakeAlone.seconds,
      intakeWith: intakeWith.events / intakeWith.seconds,
    };
  } finally {
    await readers.close();
  }
}
