/**
 * Wallboard: every queue now, from `GET /v1/live/queues`; kept live by the change stream (`GET /v1/stream`,
 * EventSource, the cookie signs it in): a session change re-reads the queues (at most twice a second), never
 * a timer. Longest waits tick on the local clock between changes.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, qs, type LiveQueues, type SessionSummary } from '../api.js';
import { browserZone, count, duration, Num, percent, time } from '../format.js';

/** Service-level goal (a UI setting; the API has none yet) and the wait thresholds of the colours. */
const SL_THRESHOLD_MS = 20_000;
const WAIT_CRITICAL_MS = 60_000;

type Level = 'ok' | 'warning' | 'critical';
const worst = (...levels: Level[]): Level =>
  levels.includes('critical') ? 'critical' : levels.includes('warning') ? 'warning' : 'ok';

export function Wallboard() {
  const [data, setData] = useState<LiveQueues | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [live, setLive] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [recent, setRecent] = useState<SessionSummary[]>([]);
  const [now, setNow] = useState(Date.now());
  const [goal, setGoal] = useState(() => Number(localStorage.getItem('slGoal') ?? 80));
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
        <label class="inline">
          SL goal (%)
          <input
            type="number"
            min={1}
            max={100}
            value={goal}
            onChange={(e) => {
              const v = Number((e.target as HTMLInputElement).value);
              if (v > 0 && v <= 100) {
                setGoal(v);
                localStorage.setItem('slGoal', String(v));
              }
            }}
          />
        </label>
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
          const slLevel: Level =
            sl === null ? 'ok' : sl * 100 < goal - 15 ? 'critical' : sl * 100 < goal ? 'warning' : 'ok';
          const waitLevel: Level =
            wait === null
              ? 'ok'
              : wait > WAIT_CRITICAL_MS
                ? 'critical'
                : wait > SL_THRESHOLD_MS
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
                  <dd data-field="serviceLevel">
                    <Num metric="queue.serviceLevel">{percent(sl)}</Num>
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
        Waiting over {SL_THRESHOLD_MS / 1000} s (the service-level threshold) or SL below the goal is a
        warning; waiting over {WAIT_CRITICAL_MS / 1000} s or SL 15 points below the goal is critical. Operator
        states need
        <code> operator.state</code> events, which are not taken in yet.
      </p>
    </section>
  );
}
