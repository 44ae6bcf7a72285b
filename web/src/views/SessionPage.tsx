/**
 * One session (`GET /v1/sessions/{id}`): its state timeline with a lane per operator, the routing history, the
 * conversation, recordings (played from the Range-served file route), tags, call parameters and feedback.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, localPath, type OperatorRef, type SessionDetail } from '../api.js';
import { Timeline, type Lane, type Segment } from '../components/Timeline.js';
import { dateTime, duration, Num, time } from '../format.js';

const DURATIONS = ['created', 'inQueue', 'waiting', 'bcw', 'active', 'acw', 'ring', 'waited'] as const;
const name = (o: OperatorRef | null | undefined) =>
  o ? [o.firstName, o.lastName].filter(Boolean).join(' ') || o.userName || o.id : '';

/** The lanes of the timeline: the session's states, its queue time, holds, and one lane per operator. */
export function lanesOf(s: SessionDetail, now: number): { lanes: Lane[]; from: number; to: number } {
  const at = (iso: string) => Date.parse(iso);
  const end = s.ended ? at(s.ended) : now;
  const history = s.statusHistory.map((h) => ({ at: at(h.at), status: h.status }));
  const last = Math.max(end, ...history.map((h) => h.at));
  const states: Segment[] = [];
  history.forEach((h, i) => {
    if (h.status === 'CLOSED') return;
    const until = history[i + 1]?.at ?? (s.status === 'CLOSED' ? h.at : now);
    states.push({ start: h.at, end: Math.max(h.at, until), state: h.status });
  });
  const markers = s.routing
    .filter((r) => /^(Forwarded|Invited)/.test(r.activityType))
    .map((r) => ({
      at: at(r.timestamp),
      label: `${r.activityType} ${r.group?.name ?? name(r.operator) ?? r.phoneNumber ?? ''}`.trim(),
    }));
  const lanes: Lane[] = [{ label: 'Session', segments: states, markers }];

  const queue: Segment[] = [];
  s.routing.forEach((r, i) => {
    if (r.activityType !== 'EnteredGroupQueue') return;
    const out = s.routing
      .slice(i + 1)
      .find((n) =>
        /^(LeftGroupQueue|GroupQueueTimeoutExpired|AcceptedByOperator|RoutingEnded)$/.test(n.activityType),
      );
    queue.push({
      start: at(r.timestamp),
      end: out ? at(out.timestamp) : end,
      state: 'QUEUE',
      detail: r.group?.name ?? `group ${r.group?.id}`,
    });
  });
  if (queue.length)
    lanes.push({ label: `Queue ${[...new Set(queue.map((q) => q.detail))].join(', ')}`, segments: queue });

  const holds: Segment[] = [];
  let heldAt: number | null = null;
  for (const a of s.activities) {
    if (a.type === 'OnHold' && heldAt === null) heldAt = at(a.time);
    if (a.type === 'ResumeGuest' && heldAt !== null) {
      holds.push({ start: heldAt, end: at(a.time), state: 'HOLD' });
      heldAt = null;
    }
  }
  if (heldAt !== null) holds.push({ start: heldAt, end, state: 'HOLD' });
  if (holds.length) lanes.push({ label: 'Hold', segments: holds });

  for (const op of s.operators) {
    const segments: Segment[] = [];
    const offered = s.routing.find(
      (r) => r.activityType === 'AssignedToOperator' && r.operator?.id === op.id,
    );
    if (offered) {
      const answer = s.routing.find(
        (r) =>
          /^(AcceptedByOperator|OperatorTimeoutExpired)$/.test(r.activityType) &&
          r.operator?.id === op.id &&
          at(r.timestamp) >= at(offered.timestamp),
      );
      segments.push({
        start: at(offered.timestamp),
        end: answer ? at(answer.timestamp) : end,
        state: 'OFFERED',
      });
    }
    if (op.joined)
      segments.push({ start: at(op.joined), end: op.left ? at(op.left) : end, state: 'IN_SESSION' });
    if (op.left && op.concluded) segments.push({ start: at(op.left), end: at(op.concluded), state: 'ACW' });
    const queueText = op.durations.queue === null ? '' : ` · queue ${duration(op.durations.queue)}`;
    const acwText = op.durations.acw === null ? '' : ` · ACW ${duration(op.durations.acw)}`;
    lanes.push({ label: `${name(op)}${queueText}${acwText}`, segments });
  }
  const from = Math.min(at(s.created), ...history.map((h) => h.at));
  const to = Math.max(last, ...lanes.flatMap((l) => l.segments.map((x) => x.end)));
  return { lanes, from, to: to > from ? to : from + 1000 };
}

export function SessionPage(props: { sessionId: string }) {
  const [session, setSession] = useState<SessionDetail | null>(null);
  const [error, setError] = useState<{ notFound: boolean; message: string } | null>(null);
  useEffect(() => {
    api<SessionDetail>(`/v1/sessions/${encodeURIComponent(props.sessionId)}`).then(setSession, (e: unknown) =>
      setError({ notFound: e instanceof ApiError && e.status === 404, message: (e as Error).message }),
    );
  }, [props.sessionId]);

  if (error)
    return (
      <section>
        <h1>Session {props.sessionId}</h1>
        <p class="error" role="alert">
          {error.notFound ? 'Session not found.' : error.message}
        </p>
        <a href="#/sessions">Back to sessions</a>
      </section>
    );
  if (!session) return <p class="loading">Loading session…</p>;
  const s = session;
  const { lanes, from, to } = lanesOf(s, Date.now());
  const files = new Map(s.files.map((f) => [f.id, f]));
  const conversation = s.activities.filter((a) =>
    [
      'ChatMessage',
      'ChatbotMessage',
      'SharedFile',
      'SessionForwarded',
      'OnHold',
      'ResumeGuest',
      'Joined',
      'Left',
      'SessionEnded',
    ].includes(a.type),
  );
  return (
    <section aria-labelledby="session-title">
      <p>
        <a href="#/sessions">← Sessions</a>
      </p>
      <h1 id="session-title">
        Session <code>{s.sessionId}</code> <span class={`state ${s.status}`}>{s.status}</span>
      </h1>
      <dl class="facts">
        <div>
          <dt>Channel</dt>
          <dd>
            {s.channel ?? '—'} ({s.direction}, {s.source})
          </dd>
        </div>
        <div>
          <dt>Created</dt>
          <dd>{dateTime(s.created)}</dd>
        </div>
        <div>
          <dt>Started</dt>
          <dd>{dateTime(s.started)}</dd>
        </div>
        <div>
          <dt>Ended</dt>
          <dd>{dateTime(s.ended)}</dd>
        </div>
        <div>
          <dt>Queues</dt>
          <dd>{s.groups.map((g) => g.name ?? g.id).join(', ') || '—'}</dd>
        </div>
        <div>
          <dt>Containment</dt>
          <dd>{s.containment ?? '—'}</dd>
        </div>
        <div>
          <dt>Holds</dt>
          <dd>
            {s.holdCount} ({duration(s.holdMs)})
          </dd>
        </div>
        {s.termination?.reason && (
          <div>
            <dt>Ended because</dt>
            <dd>{s.termination.reason}</dd>
          </div>
        )}
      </dl>

      <h2>State timeline</h2>
      <Timeline lanes={lanes} from={from} to={to} label={`State timeline of session ${s.sessionId}`} />
      <table class="data compact" id="durations">
        <caption>Durations (the API’s, as the README defines them)</caption>
        <thead>
          <tr>
            {DURATIONS.map((d) => (
              <th scope="col" key={d}>
                {d}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          <tr>
            {DURATIONS.map((d) => (
              <td key={d} data-duration={d}>
                <Num metric={`session.${d}`}>{duration(s.durations[d])}</Num>
              </td>
            ))}
          </tr>
        </tbody>
      </table>

      <h2>Routing history</h2>
      {s.routing.length === 0 ? (
        <p class="muted">Never routed.</p>
      ) : (
        <table class="data compact" id="routing">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Step</th>
              <th scope="col">Queue</th>
              <th scope="col">Operator</th>
              <th scope="col">Other</th>
            </tr>
          </thead>
          <tbody>
            {s.routing.map((r, i) => (
              <tr key={i}>
                <td>{time(r.timestamp)}</td>
                <td>{r.activityType}</td>
                <td>{r.group?.name ?? r.group?.id ?? ''}</td>
                <td>{name(r.operator)}</td>
                <td>{r.phoneNumber ?? (r.forwardedByOperator ? `by ${name(r.forwardedByOperator)}` : '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Conversation</h2>
      {conversation.length === 0 ? (
        <p class="muted">No messages.</p>
      ) : (
        <ol class="conversation">
          {conversation.map((a) => {
            const file = a.fileId ? files.get(a.fileId) : undefined;
            return (
              <li key={a.activityId} class={`from-${(a.client ?? 'system').toLowerCase()}`}>
                <span class="when">{time(a.time)}</span>{' '}
                <span class="who">
                  {a.client === 'User'
                    ? `Operator ${a.operatorId ?? ''}`
                    : a.client === 'Chatbot'
                      ? `Bot ${a.botId ?? ''}`
                      : (a.client ?? '')}
                </span>{' '}
                {a.type === 'ChatMessage' || a.type === 'ChatbotMessage' ? (
                  <span class="text">{a.text}</span>
                ) : file ? (
                  <span>
                    shared{' '}
                    <a href={localPath(file.downloadUrl)} download={file.name}>
                      {file.name}
                    </a>
                    {file.size !== null && ` (${file.size} bytes)`}
                  </span>
                ) : (
                  <span class="muted">
                    {a.type}
                    {a.toGroupName ? ` → ${a.toGroupName}` : ''}
                    {a.toPhoneNumber ? ` → ${a.toPhoneNumber}` : ''}
                  </span>
                )}
              </li>
            );
          })}
        </ol>
      )}

      <h2>Recordings</h2>
      {s.recordings.length === 0 ? (
        <p class="muted">No recordings.</p>
      ) : (
        <ul class="recordings">
          {s.recordings.map((r) => (
            <li key={r.id}>
              <span>
                {r.name ?? r.id} · {duration(r.durationMs)} {r.started && `· ${time(r.started)}`}
              </span>
              {r.deleted ? (
                <span class="muted"> (deleted)</span>
              ) : r.contentType?.startsWith('video/') ? (
                <video
                  controls
                  preload="metadata"
                  src={localPath(r.downloadUrl)}
                  aria-label={`Recording ${r.name ?? r.id}`}
                />
              ) : (
                <audio
                  controls
                  preload="metadata"
                  src={localPath(r.downloadUrl)}
                  aria-label={`Recording ${r.name ?? r.id}`}
                />
              )}
            </li>
          ))}
        </ul>
      )}

      <div class="columns">
        <div>
          <h2>Tags</h2>
          {s.tags.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="chips">
              {s.tags.map((t) => (
                <li class="chip" key={`${t.scope}-${t.name}`}>
                  {t.name}
                  {t.value ? `: ${t.value}` : ''} <span class="muted">({t.scope})</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <div>
          <h2>Call parameters</h2>
          {Object.keys(s.callParams).length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <dl class="facts">
              {Object.entries(s.callParams).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v.value}</dd>
                </div>
              ))}
            </dl>
          )}
        </div>
        <div>
          <h2>Feedback</h2>
          {s.feedback ? (
            <p>
              {s.feedback.stars !== null && `${s.feedback.stars} ★ `}
              {s.feedback.scale && `(${s.feedback.scale}) `}
              {s.feedback.text && <q>{s.feedback.text}</q>}
            </p>
          ) : (
            <p class="muted">None.</p>
          )}
        </div>
      </div>
    </section>
  );
}
