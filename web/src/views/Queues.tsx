/**
 * Queue performance: `GET /v1/analytics/queues` for a range, interval, IANA zone and queues — interval charts
 * (uPlot), the table of the very rows the API answered, totals, and a CSV of exactly the table.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, qs, type LiveQueues, type QueueRow, type Report } from '../api.js';
import { Chart, type ChartSeries } from '../components/Chart.js';
import { RangeFields, type Range } from '../components/RangeForm.js';
import { addDays, browserZone, dateTime, download, isoDate, Num, text, toCsv } from '../format.js';
import { byStart, totals, type Totals } from '../report.js';

const PAGE = 200;

/** The table's columns: header, metric (for the link), and the cell text (also the CSV's). */
const COLUMNS: [string, string, (r: QueueRow | Totals) => string][] = [
  ['Offered', 'queue.offered', (r) => text.count(r.offered)],
  ['Answered', 'queue.answered', (r) => text.count(r.answered)],
  ['Abandoned', 'queue.abandoned', (r) => text.count(r.abandoned)],
  ['Short abandoned', 'queue.shortAbandoned', (r) => text.count(r.shortAbandoned)],
  ['Within SL', 'queue.answeredWithinSl', (r) => text.count(r.answeredWithinSl)],
  ['SL %', 'queue.serviceLevel', (r) => text.percent(r.serviceLevel)],
  ['ASA s', 'queue.waitMs', (r) => text.average(r.waitMs)],
  ['Max wait s', 'queue.waitMs', (r) => text.seconds(r.waitMs.max)],
  ['Avg talk s', 'queue.talkMs', (r) => text.average(r.talkMs)],
  ['Avg hold s', 'queue.holdMs', (r) => text.average(r.holdMs)],
  ['Avg ACW s', 'queue.acwMs', (r) => text.average(r.acwMs)],
  ['AHT s', 'queue.handleMs', (r) => text.average(r.handleMs)],
  ['Transferred', 'queue.transferred', (r) => text.count(r.transferred)],
  ['Operator timeouts', 'queue.operatorTimeouts', (r) => text.count(r.operatorTimeouts)],
];

function initialRange(query: URLSearchParams): Range {
  const zone = query.get('timeZone') ?? browserZone;
  const today = isoDate(new Date(), zone);
  return {
    from: query.get('from') ?? addDays(today, -6),
    to: query.get('to') ?? addDays(today, 1),
    interval: query.get('interval') ?? 'P1D',
    timeZone: zone,
  };
}

export function Queues(props: { query: URLSearchParams }) {
  const [range, setRange] = useState(() => initialRange(props.query));
  const [groups, setGroups] = useState<number[]>(() =>
    (props.query.get('groups') ?? '').split(',').filter(Boolean).map(Number),
  );
  const [known, setKnown] = useState<{ id: number; name: string | null }[]>([]);
  const [report, setReport] = useState<Report<QueueRow> | null>(null);
  const [shown, setShown] = useState<Range & { groups: number[] }>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [page, setPage] = useState(0);

  const run = async (r: Range, g: number[]) => {
    setBusy(true);
    setError(null);
    try {
      const next = await api<Report<QueueRow>>(
        `/v1/analytics/queues${qs({ ...r, groups: g.length ? g.join(',') : undefined })}`,
      );
      setReport(next);
      setShown({ ...r, groups: g });
      setPage(0);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    api<LiveQueues>(`/v1/live/queues${qs({ timeZone: range.timeZone })}`).then(
      (live) => setKnown(live.queues.map((q) => q.queue)),
      () => undefined,
    );
    void run(range, groups);
  }, []);

  const rows = report?.rows ?? [];
  const total = useMemo(() => totals(rows), [report]);
  const charts = useMemo(() => chartData(rows), [report]);
  const csv = () => {
    const header = ['Start', 'End', 'Queue id', 'Queue', ...COLUMNS.map((c) => c[0])];
    const body = rows.map((r) => [
      dateTime(r.start, report!.timeZone),
      dateTime(r.end, report!.timeZone),
      String(r.queue.id),
      r.queue.name ?? '',
      ...COLUMNS.map((c) => c[2](r)),
    ]);
    const foot = ['Total', '', '', '', ...COLUMNS.map((c) => c[2](total))];
    download(`queues-${shown!.from}-${shown!.to}-${shown!.interval}.csv`, toCsv([header, ...body, foot]));
  };

  return (
    <section aria-labelledby="queues-title">
      <h1 id="queues-title">Queue performance</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          void run(range, groups);
        }}
      >
        <RangeFields value={range} onChange={setRange} />
        <fieldset class="queues-pick">
          <legend>Queues (none ticked = all)</legend>
          {known.map((q) => (
            <label key={q.id} class="check">
              <input
                type="checkbox"
                checked={groups.includes(q.id)}
                onChange={(e) =>
                  setGroups((g) =>
                    (e.target as HTMLInputElement).checked ? [...g, q.id] : g.filter((x) => x !== q.id),
                  )
                }
              />
              {q.name ?? `Queue ${q.id}`}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={busy}>
          {busy ? 'Loading…' : 'Show'}
        </button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && (
        <>
          <p class="muted" role="status">
            {rows.length} rows ({charts.x.length} intervals × {new Set(rows.map((r) => r.queue.id)).size}{' '}
            queues) in {report.timeZone}, interval {report.interval}.
          </p>
          {charts.x.length > 1 && (
            <div class="charts">
              <Chart
                title="Offered by queue"
                yLabel="sessions"
                x={charts.x}
                series={charts.offered}
                timeZone={report.timeZone}
              />
              <Chart
                title="Answered and abandoned"
                yLabel="sessions"
                x={charts.x}
                series={charts.outcome}
                timeZone={report.timeZone}
              />
              <Chart
                title="Service level"
                yLabel="%"
                x={charts.x}
                series={charts.sl}
                timeZone={report.timeZone}
              />
              <Chart
                title="ASA and AHT"
                yLabel="seconds"
                x={charts.x}
                series={charts.times}
                timeZone={report.timeZone}
              />
            </div>
          )}
          <div class="table-head">
            <h2>Rows</h2>
            <button type="button" onClick={csv}>
              Download CSV
            </button>
          </div>
          <div class="scroll">
            <table class="data" id="queue-table">
              <caption class="sr-only">Queue metrics per interval and queue, with totals</caption>
              <thead>
                <tr>
                  <th scope="col">Start</th>
                  <th scope="col">End</th>
                  <th scope="col">Queue id</th>
                  <th scope="col">Queue</th>
                  {COLUMNS.map(([label, metric]) => (
                    <th scope="col" key={label}>
                      <a href={`#/definitions/${metric}`}>{label}</a>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.slice(page * PAGE, (page + 1) * PAGE).map((r) => (
                  <tr key={`${r.start}-${r.queue.id}`}>
                    <td>{dateTime(r.start, report.timeZone)}</td>
                    <td>{dateTime(r.end, report.timeZone)}</td>
                    <td>{r.queue.id}</td>
                    <td>{r.queue.name ?? ''}</td>
                    {COLUMNS.map(([label, metric, cell]) => (
                      <td key={label}>
                        <Num metric={metric}>{cell(r)}</Num>
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td />
                  <td />
                  <td />
                  {COLUMNS.map(([label, metric, cell]) => (
                    <td key={label}>
                      <Num metric={metric}>{cell(total)}</Num>
                    </td>
                  ))}
                </tr>
              </tfoot>
            </table>
          </div>
          {rows.length > PAGE && (
            <nav class="pager" aria-label="Table pages">
              <button type="button" disabled={page === 0} onClick={() => setPage(page - 1)}>
                Previous
              </button>
              <span>
                Rows {page * PAGE + 1}–{Math.min(rows.length, (page + 1) * PAGE)} of {rows.length}
              </span>
              <button
                type="button"
                disabled={(page + 1) * PAGE >= rows.length}
                onClick={() => setPage(page + 1)}
              >
                Next
              </button>
            </nav>
          )}
        </>
      )}
    </section>
  );
}

/** The charts' columns: one x per interval; offered per queue, and the selected queues' sums per interval. */
function chartData(rows: QueueRow[]) {
  const intervals = byStart(rows);
  const x = intervals.map((i) => Date.parse(i.start) / 1000);
  const queues = new Map<number, string>();
  for (const r of rows) queues.set(r.queue.id, r.queue.name ?? `Queue ${r.queue.id}`);
  const offered: ChartSeries[] = [...queues].map(([id, name]) => ({
    label: name,
    values: intervals.map((i) => i.rows.find((r) => r.queue.id === id)?.offered ?? 0),
  }));
  const sums = intervals.map((i) => totals(i.rows));
  const outcome: ChartSeries[] = [
    { label: 'Answered', values: sums.map((t) => t.answered) },
    { label: 'Abandoned', values: sums.map((t) => t.abandoned) },
  ];
  const sl: ChartSeries[] = [
    { label: 'SL %', values: sums.map((t) => (t.serviceLevel === null ? null : t.serviceLevel * 100)) },
  ];
  const avg = (m: { sum: number; count: number }) => (m.count ? m.sum / m.count / 1000 : null);
  const times: ChartSeries[] = [
    { label: 'ASA s', values: sums.map((t) => avg(t.waitMs)) },
    { label: 'AHT s', values: sums.map((t) => avg(t.handleMs)) },
  ];
  return { x, offered, outcome, sl, times };
}
