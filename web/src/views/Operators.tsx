/**
 * Operators: per-operator figures of a day (`GET /v1/analytics/operators`, interval ALL) — sessions handled,
 * talk and ACW, and from their state events logged-in, available and break time and occupancy — and the day
 * as a state timeline lane per operator (`GET /v1/operators/timeline`), like Grafana's state timeline.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, qs, type OperatorRow, type OperatorTimelines, type Report } from '../api.js';
import { Timeline, type Lane } from '../components/Timeline.js';
import { addDays, browserZone, duration, isoDate, Num, percent, text } from '../format.js';

export function Operators() {
  const [day, setDay] = useState(() => isoDate(new Date(), browserZone));
  const [timeZone, setTimeZone] = useState(browserZone);
  const [report, setReport] = useState<Report<OperatorRow> | null>(null);
  const [timelines, setTimelines] = useState<OperatorTimelines | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = async () => {
    setError(null);
    try {
      const range = { from: day, to: addDays(day, 1), timeZone };
      const [next, lanes] = await Promise.all([
        api<Report<OperatorRow>>(`/v1/analytics/operators${qs({ ...range, interval: 'ALL' })}`),
        api<OperatorTimelines>(`/v1/operators/timeline${qs(range)}`),
      ]);
      setReport(next);
      setTimelines(lanes);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);

  const rows = (report?.rows ?? [])
    .slice()
    .sort(
      (a, b) =>
        b.handled - a.handled || b.loggedInMs - a.loggedInMs || a.operator.id.localeCompare(b.operator.id),
    );
  const dayFrom = Date.parse(timelines?.from ?? report?.rows[0]?.start ?? `${day}T00:00:00Z`);
  const dayTo = Date.parse(timelines?.to ?? report?.rows[0]?.end ?? `${addDays(day, 1)}T00:00:00Z`);
  const order = new Map(rows.map((r, i) => [r.operator.id, i]));
  const lanes: (Lane & { id: string })[] = (timelines?.operators ?? [])
    // An operator logged out all day has nothing to show.
    .filter((o) => o.segments.some((s) => s.state !== 'OFFLINE' && s.state !== 'UNKNOWN'))
    .sort((a, b) => (order.get(a.operator.id) ?? 1e9) - (order.get(b.operator.id) ?? 1e9))
    .map((o) => ({
      id: o.operator.id,
      label: o.operator.name ?? o.operator.id,
      segments: o.segments.map((s) => ({
        start: Date.parse(s.from),
        end: Date.parse(s.to),
        state: s.state,
        ...(s.reason || s.paid !== null
          ? {
              detail: [s.reason, s.paid === null ? null : s.paid ? 'paid' : 'unpaid']
                .filter(Boolean)
                .join(', '),
            }
          : {}),
      })),
    }));

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
                <th scope="col">
                  <a href="#/definitions/operator.loggedInMs">Logged in</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.availableMs">Available</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.breakMs">Breaks</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/operator.occupancy">Occupancy</a>
                </th>
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
                  <td data-ms={r.loggedInMs}>
                    <Num metric="operator.loggedInMs">{duration(r.loggedInMs)}</Num>
                  </td>
                  <td data-ms={r.availableMs}>
                    <Num metric="operator.availableMs">{duration(r.availableMs)}</Num>
                  </td>
                  <td
                    data-ms={r.breakMs}
                    title={`paid ${duration(r.breakPaidMs)}, unpaid ${duration(r.breakUnpaidMs)}`}
                  >
                    <Num metric="operator.breakMs">{duration(r.breakMs)}</Num>
                  </td>
                  <td data-occupancy={r.occupancy ?? ''}>
                    <Num metric="operator.occupancy">{percent(r.occupancy)}</Num>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>The day, per operator</h2>
      <p class="note">
        Each operator’s states (from <code>operator.state</code> events): available, on a call, after-call
        work, breaks, away, logged out; the current state runs to now.
      </p>
      {timelines && lanes.length === 0 && <p class="muted">No operator was logged in that day.</p>}
      {lanes.length > 0 && (
        <div id="operator-lanes">
          <Timeline
            lanes={lanes}
            from={dayFrom}
            to={dayTo}
            timeZone={timeZone}
            label={`Operators’ states on ${day}`}
          />
        </div>
      )}
    </section>
  );
}
