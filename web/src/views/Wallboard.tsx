/**
 * Wallboard: every queue now, from `GET /v1/live/queues`; kept live by the change stream (`GET /v1/stream`,
 * EventSource, the cookie signs it in): a session change re-reads the queues (at most twice a second), never
 * a timer. Longest waits tick on the local clock between changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, qs, type LiveQueues, type SessionSummary } from '../api.js';
import { browserZone, count, duration, Num, percent, time } from '../format.js';

/** The in-progress states a tile shows (waiting ones have their own numbers above). */
const IN_PROGRESS_SHOWN = [
  ['BCW', 'before call'],
  ['ACTIVE', 'talking'],
  ['ACW', 'after-call work'],
] as const;

/**
 * The colours: each queue's own service-level settings (`sl` of /v1/live/queues: its threshold and goal, set
 * through /v1/settings/service-level); a wait three times the threshold, or SL 15 points under the goal, is
 * critical.
 */
const CRITICAL_WAIT_FACTOR = 3;
const CRITICAL_SL_POINTS = 15;

type Level = 'ok' | 'warning' | 'critical';
const worst = (...levels: Level[]): Level =>
  levels.includes('critical') ? 'critical' : levels.includes('warning') ? 'warning' : 'ok';

export function Wallboard() {
  const [data, setData] = useState<LiveQueues | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [recent, setRecent] = useState<SessionSummary[]>([]);
  const [now, setNow] = useState(Date.now());
  const received = useRef(Date.now());

  useEffect(() => {
    let stopped = false;
    let inFlight = false;
    let again = false;
    let timer: number | undefined;
    const load = async () => {
      if (inFlight) {
        again = true;
        return;
      }
      inFlight = true;
      try {
        const next = await api<LiveQueues>(`/v1/live/queues${qs({ timeZone: browserZone })}`);
        if (!stopped) {
          received.current = Date.now();
          setData(next);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError((e as Error).message);
      } finally {
        inFlight = false;
        if (again && !stopped) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (timer === undefined)
        timer = window.setTimeout(() => {
          timer = undefined;
          void load();
        }, 500);
    };
    void load();
    const stream = new EventSource('/v1/stream');
    stream.onopen = () => setLive('live');
    stream.onerror = () => setLive('reconnecting');
    stream.addEventListener('session', (event) => {
      const summary = JSON.parse((event as MessageEvent<string>).data) as SessionSummary;
      setRecent((list) => [summary, ...list.filter((s) => s.sessionId !== summary.sessionId)].slice(0, 12));
      schedule();
    });
    stream.addEventListener('reset', schedule);
    const tick = window.setInterval(() => setNow(Date.now()), 1000);
    return () => {
      stopped = true;
      stream.close();
      clearInterval(tick);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, []);

  const elapsed = Math.max(0, now - received.current);
  return (
    <section aria-labelledby="wallboard-title">
      <div class="view-head">
        <h1 id="wallboard-title">Wallboard</h1>
        <p class="status" role="status" data-live={live}>
          <span class={`dot ${live}`} aria-hidden="true" />
          {live === 'live' ? 'Live' : live === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          {data && ` · today in ${data.timeZone} · as of ${time(Date.parse(data.asOf))}`}
        </p>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {data && data.queues.length === 0 && <p>No queues have had traffic yet.</p>}
      <div class="tiles">
        {data?.queues.map((q) => {
          const wait = q.longestWaitMs === null ? null : q.longestWaitMs + elapsed;
          const sl = q.today.serviceLevel;
          const goal = Math.round(q.sl.goal * 1000) / 10;
          const thresholdMs = q.sl.thresholdSeconds * 1000;
          const slLevel: Level =
            sl === null
              ? 'ok'
              : sl * 100 < goal - CRITICAL_SL_POINTS
                ? 'critical'
                : sl * 100 < goal
                  ? 'warning'
                  : 'ok';
          const waitLevel: Level =
            wait === null
              ? 'ok'
              : wait > thresholdMs * CRITICAL_WAIT_FACTOR
                ? 'critical'
                : wait > thresholdMs
                  ? 'warning'
                  : 'ok';
          const level = worst(slLevel, waitLevel);
          const states = Object.entries(q.operators);
          return (
            <article
              class={`tile ${level}`}
              key={q.queue.id}
              data-queue-id={q.queue.id}
              aria-labelledby={`q-${q.queue.id}`}
            >
              <h2 id={`q-${q.queue.id}`}>
                {q.queue.name ?? `Queue ${q.queue.id}`}
                {level !== 'ok' && <span class={`badge ${level}`}>{level}</span>}
              </h2>
              <dl class="big">
                <div class={waitLevel}>
                  <dt>Waiting now</dt>
                  <dd data-field="waiting">
                    <Num metric="live.waiting" label="waiting">
                      {count(q.waiting)}
                    </Num>
                  </dd>
                </div>
                <div class={waitLevel}>
                  <dt>Longest wait</dt>
                  <dd data-field="longestWait">
                    <Num metric="live.longestWait" label="longest wait">
                      {duration(wait)}
                    </Num>
                  </dd>
                </div>
                <div class={slLevel}>
                  <dt>SL today (goal {goal} %)</dt>
                  <dd data-field="serviceLevel" data-goal={q.sl.goal}>
                    <Num metric="queue.serviceLevel">{percent(sl)}</Num>
                    <small class="fraction" data-field="slFraction">
                      {count(q.today.answeredWithinSl)} of {count(q.today.slCounted)} within{' '}
                      {q.sl.thresholdSeconds} s
                    </small>
                  </dd>
                </div>
              </dl>
              <dl class="small">
                <div>
                  <dt>Offered</dt>
                  <dd data-field="offered">
                    <Num metric="queue.offered">{count(q.today.offered)}</Num>
                  </dd>
                </div>
                <div>
                  <dt>Answered</dt>
                  <dd data-field="answered">
                    <Num metric="queue.answered">{count(q.today.answered)}</Num>
                  </dd>
                </div>
                <div>
                  <dt>Abandoned</dt>
                  <dd data-field="abandoned">
                    <Num metric="queue.abandoned">{count(q.today.abandoned)}</Num>
                  </dd>
                </div>
              </dl>
              <p class="operators" data-field="inProgress">
                <Num metric="live.inProgress" label="in progress">
                  In progress:
                </Num>{' '}
                {IN_PROGRESS_SHOWN.map(([status, name]) => (
                  <span class="chip" key={status} data-status={status}>
                    {name} {count(q.inProgress[status])}
                  </span>
                ))}
              </p>
              <p class="operators">
                Operators:{' '}
                {states.length === 0
                  ? 'no state events yet'
                  : states.map(([state, n]) => (
                      <span class="chip" key={state}>
                        {state} {n}
                      </span>
                    ))}
              </p>
            </article>
          );
        })}
      </div>
      <h2>Latest changes</h2>
      {recent.length === 0 ? (
        <p class="muted">Session changes appear here as they happen.</p>
      ) : (
        <ul class="feed" aria-live="polite">
          {recent.map((s) => (
            <li key={s.sessionId}>
              <a href={`#/sessions/${encodeURIComponent(s.sessionId)}`}>{s.sessionId}</a>{' '}
              <span class={`state ${s.status}`}>{s.status}</span> {s.groups[0]?.name ?? ''}{' '}
              <span class="muted">{s.channel}</span>
            </li>
          ))}
        </ul>
      )}
      <p class="muted small-print">
        Each queue's colours follow its own service-level settings: waiting over its threshold or SL below its
        goal is a warning; waiting over {CRITICAL_WAIT_FACTOR}× the threshold or SL {CRITICAL_SL_POINTS}{' '}
        points below the goal is critical. Operator states come from <code>operator.state</code> events.
      </p>
    </section>
  );
}
