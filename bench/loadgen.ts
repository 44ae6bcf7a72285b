/**
 * The load generator, a child process of its own (forked by bench/procs.ts) so that its CPU time is never
 * counted against the server's event loop. It takes jobs over IPC and answers each with its result:
 * - `cannon`: autocannon against a list of requests, cycled; every response's latency is recorded, so the
 *   percentiles are exact (autocannon's own summary has no p95);
 * - `intake`: the seeded simulator's batches posted one after another to `POST /v1/events`, timed once the
 *   bodies are serialised;
 * - `probe`: one client at a steady pace, for how long a request waits while something else loads the server;
 * - `subscribe`: SSE subscribers of `GET /v1/stream` that read everything for a while (intake's cost of them);
 * - `live`: SSE subscribers, and batches posted at a steady pace; the delay from each answer to each
 *   subscriber's receipt of the batch's session changes.
 */
import autocannon from 'autocannon';
import { createParser } from 'eventsource-parser';
import { latency, type Latency } from './stats.js';
import { batches, ndjson, type Workload } from './workload.js';

export interface HttpRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface CannonJob {
  type: 'cannon';
  url: string;
  connections: number;
  /** Seconds to run; ignored when `amount` is given. */
  duration?: number;
  /** Requests to send in all. */
  amount?: number;
  requests: HttpRequest[];
}

export interface CannonResult {
  latency: Latency;
  seconds: number;
  /** Responses per second over the run. */
  rps: number;
  non2xx: number;
  errors: number;
  /** Requests written, and how often the request list started over (to explain a run without answers). */
  sent: number;
  resets: number;
  /** Status and body of the first non-2xx answer, to make a failure readable. */
  firstFailure: string | null;
  bytesPerResponse: number;
}

export interface IntakeJob {
  type: 'intake';
  url: string;
  authorization: string;
  workload: Workload;
  /** Posted first, untimed, so that the timed batches meet a warm server. */
  warm?: Workload;
}

export interface IntakeResult {
  events: number;
  batches: number;
  seconds: number;
}

/** One client sending a request every `intervalMs` (the next one at once when an answer came late). */
export interface ProbeJob {
  type: 'probe';
  url: string;
  intervalMs: number;
  /** Seconds to probe. */
  duration: number;
  requests: HttpRequest[];
}

/** SSE subscribers that read the stream for `seconds`. */
export interface SubscribeJob {
  type: 'subscribe';
  url: string;
  authorization: string;
  subscribers: number;
  seconds: number;
}

export interface SubscribeResult {
  connected: number;
  /** `session` events received, all subscribers together. */
  events: number;
}

/** Subscribers, and whole-session batches posted at `perSecond`; each batch's delivery delay is measured. */
export interface LiveJob {
  type: 'live';
  url: string;
  authorization: string;
  subscribers: number;
  perSecond: number;
  workload: Workload;
}

export interface LiveResult {
  batches: number;
  /** Answer of the POST → the subscriber has the last of the batch's session changes; one sample per batch and subscriber. */
  latency: Latency;
  /** Batch × subscriber pairs not delivered within 5 s. */
  missing: number;
}

export type Job = CannonJob | IntakeJob | ProbeJob | SubscribeJob | LiveJob;

/** One SSE connection to `/v1/stream`; `onSession` is called with each `session` event's sessionId. */
async function subscribe(
  url: string,
  authorization: string,
  onSession: (sessionId: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetch(new URL('/v1/stream', url), {
    headers: { authorization, accept: 'text/event-stream' },
    signal,
  });
  if (response.status !== 200 || !response.body)
    throw new Error(`GET /v1/stream answered ${response.status}`);
  const parser = createParser({
    onEvent(event) {
      if (event.event !== 'session') return;
      const data = JSON.parse(event.data) as { sessionId?: string };
      if (data.sessionId) onSession(data.sessionId);
    },
  });
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } catch {
      // Aborted at the end of the job.
    }
  })();
}

async function subscribers(job: SubscribeJob): Promise<SubscribeResult> {
  const abort = new AbortController();
  let events = 0;
  await Promise.all(
    Array.from({ length: job.subscribers }, () =>
      subscribe(job.url, job.authorization, () => events++, abort.signal),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, job.seconds * 1000));
  abort.abort();
  return { connected: job.subscribers, events };
}

async function live(job: LiveJob): Promise<LiveResult> {
  const abort = new AbortController();
  /** Per subscriber: when it last received each session. */
  const received = Array.from({ length: job.subscribers }, () => new Map<string, number>());
  await Promise.all(
    received.map((seen) =>
      subscribe(job.url, job.authorization, (id) => seen.set(id, performance.now()), abort.signal),
    ),
  );
  const samples: number[] = [];
  let missing = 0;
  const sent: { sessionIds: string[]; answered: number }[] = [];
  const started = performance.now();
  let i = 0;
  for (const batch of batches(job.workload)) {
    const due = started + (i++ * 1000) / job.perSecond;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    const response = await fetch(new URL('/v1/events', job.url), {
      method: 'POST',
      headers: { authorization: job.authorization, 'content-type': 'application/x-ndjson' },
      body: ndjson(batch.events),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST /v1/events answered ${response.status}: ${text}`);
    sent.push({ sessionIds: batch.sessionIds, answered: performance.now() });
  }
  // Every change is delivered well within this in a healthy run; what is not counts as missing.
  const deadline = performance.now() + 5_000;
  const complete = () =>
    received.every((seen) => sent.every((b) => b.sessionIds.every((id) => seen.has(id))));
  while (!complete() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  abort.abort();
  for (const seen of received) {
    for (const b of sent) {
      const times = b.sessionIds.map((id) => seen.get(id));
      if (times.some((t) => t === undefined)) missing++;
      // A change may reach a subscriber before the POST's answer reaches the poster: that is no delay.
      else samples.push(Math.max(0, Math.max(...(times as number[])) - b.answered));
    }
  }
  return { batches: sent.length, latency: latency(samples), missing };
}

async function cannon(job: CannonJob): Promise<CannonResult> {
  const samples: number[] = [];
  let next = 0;
  let firstFailure: string | null = null;
  let bytes = 0;
  const started = performance.now();
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    ...(job.amount !== undefined ? { amount: job.amount } : { duration: job.duration ?? 5 }),
    // Deep pages on a big dataset may take seconds; autocannon's default is 10 s.
    timeout: 300,
    // autocannon ends a run on its next sampling tick (1 s by default): short runs would idle for most of it.
    sampleInt: 100,
    requests: [
      {
        setupRequest: (request) => {
          const r = job.requests[next++ % job.requests.length];
          return {
            ...request,
            method: r.method,
            path: r.path,
            headers: { ...r.headers },
            ...(r.body !== undefined ? { body: r.body } : {}),
          };
        },
        onResponse: (status, body) => {
          if ((status < 200 || status > 299) && firstFailure === null)
            firstFailure = `${status}: ${String(body).slice(0, 500)}`;
        },
      },
    ],
    setupClient: (client) => {
      client.on('response', (_status: number, responseBytes: number, ms: number) => {
        samples.push(ms);
        bytes += responseBytes;
      });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  return {
    latency: latency(samples),
    seconds,
    rps: samples.length / seconds,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    sent: result.requests.sent,
    resets: result.resets,
    firstFailure,
    bytesPerResponse: samples.length > 0 ? bytes / samples.length : 0,
  };
}

async function intake(job: IntakeJob): Promise<IntakeResult> {
  // Serialised before the clock starts: the baseline's rows are prepared outside its timed loop too.
  const serialise = (workload: Workload) =>
    [...batches(workload)].map((b) => ({ count: b.events.length, body: ndjson(b.events) }));
  const bodies = serialise(job.workload);
  if (job.warm) await post(job, serialise(job.warm));
  const started = performance.now();
  const events = await post(job, bodies);
  return { events, batches: bodies.length, seconds: (performance.now() - started) / 1000 };
}

/** Posts the batches one after another; every event must be new. */
async function post(job: IntakeJob, bodies: { count: number; body: string }[]): Promise<number> {
  const endpoint = new URL('/v1/events', job.url);
  let events = 0;
  for (const { count, body } of bodies) {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: job.authorization, 'content-type': 'application/x-ndjson' },
      body,
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`POST /v1/events answered ${response.status}: ${text}`);
    const answer = JSON.parse(text) as { accepted: number; duplicates: number };
    if (answer.accepted !== count)
      throw new Error(
        `POST /v1/events accepted ${answer.accepted} of ${count}: the intake tenant was not empty`,
      );
    events += count;
  }
  return events;
}

async function probe(job: ProbeJob): Promise<CannonResult> {
  const samples: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let bytes = 0;
  let firstFailure: string | null = null;
  const started = performance.now();
  const end = started + job.duration * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const due = started + i * job.intervalMs;
    if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
    const r = job.requests[i % job.requests.length];
    const sent = performance.now();
    try {
      const response = await fetch(new URL(r.path, job.url), {
        method: r.method,
        headers: r.headers,
        ...(r.body !== undefined ? { body: r.body } : {}),
      });
      const body = await response.text();
      samples.push(performance.now() - sent);
      bytes += Buffer.byteLength(body);
      if (response.status < 200 || response.status > 299) {
        non2xx++;
        firstFailure ??= `${response.status}: ${body.slice(0, 500)}`;
      }
    } catch (error) {
      errors++;
      firstFailure ??= String(error);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    latency: latency(samples),
    seconds,
    rps: samples.length / seconds,
    non2xx,
    errors,
    sent: samples.length + errors,
    resets: 0,
    firstFailure,
    bytesPerResponse: samples.length > 0 ? bytes / samples.length : 0,
  };
}

const run = (job: Job): Promise<unknown> => {
  switch (job.type) {
    case 'cannon':
      return cannon(job);
    case 'intake':
      return intake(job);
    case 'probe':
      return probe(job);
    case 'subscribe':
      return subscribers(job);
    case 'live':
      return live(job);
  }
};

process.on('message', (message: { id: number; job: Job }) => {
  run(message.job).then(
    (result) => process.send!({ id: message.id, result }),
    (error: unknown) =>
      process.send!({ id: message.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
