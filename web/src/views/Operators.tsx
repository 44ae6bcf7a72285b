/**
 * Operators: per-operator figures of a day (`GET /v1/analytics/operators`, interval ALL) and the day as a lane
 * per operator. Operator state events (`operator.state`) are not taken in yet, so the lanes show what the API
 * has — each operator's sessions of the day (`GET /v1/sessions`), in session and after-call work — and say so.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, qs, type OperatorRow, type Report, type SessionPage, type SessionSummary } from '../api.js';
import { Timeline, type Lane } from '../components/Timeline.js';
import { addDays, browserZone, duration, isoDate, Num, text } from '../format.js';

const MAX_PAGES = 10;

export function Operators() {
  const [day, setDay] = useState(() => isoDate(new Date(), browserZone));
  const [timeZone, setTimeZone] = useState(browserZone);
  const [report, setReport] = useState<Report<OperatorRow> | null>(null);
  const [sessions, setSessions] = useState<SessionSummary[] | null>(null);
  const [truncated, setTruncated] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    setError(null);
    try {
      const next = await api<Report<OperatorRow>>(
        `/v1/analytics/operators${qs({ from: day, to: addDays(day, 1), timeZone, interval: 'ALL' })}`,
      );
      setReport(next);
      const rows = next.rows;
      const from = Date.parse(rows[0]?.start ?? `${day}T00:00:00Z`);
      const to = Date.parse(rows[0]?.end ?? `${addDays(day, 1)}T00:00:00Z`);
      const all: SessionSummary[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: SessionPage = await api<SessionPage>(
          `/v1/sessions${qs({ createdFrom: new Date(from).toISOString(), createdTo: new Date(to).toISOString(), limit: 1000, cursor })}`,
        );
        all.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && ++pages < MAX_PAGES);
      setTruncated(cursor !== null);
      setSessions(all);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);

  const rows = (report?.rows ?? [])
    .slice()
    .sort((a, b) => b.handled - a.handled || a.operator.id.localeCompare(b.operator.id));
  const dayFrom = Date.parse(report?.rows[0]?.start ?? `${day}T00:00:00Z`);
  const dayTo = Date.parse(report?.rows[0]?.end ?? `${addDays(day, 1)}T00:00:00Z`);
  const lanes: Lane[] = rows
    .map((r) => ({
      label: r.operator.name ?? r.operator.id,
      segments: (sessions ?? [])
        .filter((s) => s.operatorIds.includes(r.operator.id) && s.started)
        .flatMap((s) => {
          const start = Date.parse(s.started!);
          const end = s.ended ? Date.parse(s.ended) : Date.now();
          const acw =
            s.ended && s.durations.acw ? [{ start: end, end: end + s.durations.acw, state: 'ACW' }] : [];
          return [{ start, end, state: 'IN_SESSION', detail: s.sessionId }, ...acw];
        }),
    }))
    .filter((l) => l.segments.length > 0);

  return (
    <section aria-labelledby="operators-title">
      <h1 id="operators-title">Operators</h1>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), void load())}>
        <label>
          Day
          <input
            type="date"
            name="day"
            value={day}
            onChange={(e) => setDay((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <label>
          Time zone
          <input
            name="timeZone"
            value={timeZone}
            onChange={(e) => setTimeZone((e.target as HTMLInputElement).value)}
            required
          />
        </label>
        <button type="submit">Show</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <div class="scroll">
          <table class="data" id="operator-table">
            <caption class="sr-only">Operators on {day}</caption>
            <thead>
              <tr>
                <th scope="col">Operator</th>
                <th scope="col">Id</th>
                <th scope="col">
                  <a href="#/definitions/operator.handled">Handled</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.talkMs">Talk</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.acwMs">ACW</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.handleMs">Handle</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.handleMs">AHT</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.missedOffers">Missed offers</a>
                </th>
                <th scope="col">Hold, occupancy, breaks</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.operator.id} data-operator-id={r.operator.id}>
                  <th scope="row">{r.operator.name ?? r.operator.id}</th>
                  <td>{r.operator.id}</td>
                  <td>
                    <Num metric="operator.handled">{text.count(r.handled)}</Num>
                  </td>
                  <td>
                    <Num metric="operator.talkMs">{duration(r.talkMs.sum)}</Num>
                  </td>
                  <td>
                    <Num metric="operator.acwMs">{duration(r.acwMs.sum)}</Num>
                  </td>
                  <td>
                    <Num metric="operator.handleMs">{duration(r.handleMs.sum)}</Num>
                  </td>
                  <td>
                    <Num metric="operator.handleMs">
                      {r.handleMs.count ? duration(r.handleMs.sum / r.handleMs.count) : '—'}
                    </Num>
                  </td>
                  <td>
                    <Num metric="operator.missedOffers">{text.count(r.missedOffers)}</Num>
                  </td>
                  <td class="muted">needs state events</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>The day, per operator</h2>
      <p class="note" id="no-state-events">
        Operator state events (available, break, offline) are not taken in yet, so there are no state lanes,
        occupancy or breaks. The lanes show each operator’s sessions of the day: in session (started → ended)
        and the session’s after-call work.
      </p>
      {truncated && <p class="note">Only the first {MAX_PAGES * 1000} sessions of the day are drawn.</p>}
      {sessions && lanes.length === 0 && <p class="muted">No operator handled a session that day.</p>}
      {lanes.length > 0 && (
        <Timeline
          lanes={lanes}
          from={dayFrom}
          to={dayTo}
          timeZone={timeZone}
          label={`Operators’ sessions on ${day}`}
        />
      )}
    </section>
  );
}
