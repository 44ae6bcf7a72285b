/** Bots: containment over time per bot (`GET /v1/analytics/bots`), with its numerators and denominators. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, qs, type BotRow, type Report } from '../api.js';
import { Chart, type ChartSeries } from '../components/Chart.js';
import { RangeFields, type Range } from '../components/RangeForm.js';
import { addDays, browserZone, dateTime, isoDate, Num, text } from '../format.js';
import { byStart } from '../report.js';

const rate = (r: { selfService: number; sessions: number }) =>
  r.sessions ? r.selfService / r.sessions : null;

export function Bots() {
  const [range, setRange] = useState<Range>(() => {
    const today = isoDate(new Date(), browserZone);
    return { from: addDays(today, -13), to: addDays(today, 1), interval: 'P1D', timeZone: browserZone };
  });
  const [report, setReport] = useState<Report<BotRow> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    setError(null);
    try {
      setReport(await api<Report<BotRow>>(`/v1/analytics/bots${qs({ ...range })}`));
    } catch (e) {
      setError((e as Error).message);
    }
  };
  useEffect(() => void load(), []);

  const rows = report?.rows ?? [];
  const chart = useMemo(() => {
    const intervals = byStart(rows);
    const bots = [...new Set(rows.map((r) => r.bot.botId))];
    const series: ChartSeries[] = bots.map((bot) => ({
      label: `${bot} containment %`,
      values: intervals.map((i) => {
        const r = i.rows.find((x) => x.bot.botId === bot);
        const f = r ? rate(r) : null;
        return f === null ? null : f * 100;
      }),
    }));
    return { x: intervals.map((i) => Date.parse(i.start) / 1000), series };
  }, [report]);
  const perBot = useMemo(() => {
    const sums = new Map<string, { sessions: number; selfService: number; dropOff: number; agent: number }>();
    for (const r of rows) {
      const t = sums.get(r.bot.botId) ?? { sessions: 0, selfService: 0, dropOff: 0, agent: 0 };
      t.sessions += r.sessions;
      t.selfService += r.selfService;
      t.dropOff += r.dropOff;
      t.agent += r.agent;
      sums.set(r.bot.botId, t);
    }
    return [...sums];
  }, [report]);

  return (
    <section aria-labelledby="bots-title">
      <h1 id="bots-title">Bots</h1>
      <form class="filters" onSubmit={(e) => (e.preventDefault(), void load())}>
        <RangeFields value={range} onChange={setRange} />
        <button type="submit">Show</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {report && rows.length === 0 && <p>No bot took part in a session in this range.</p>}
      {chart.x.length > 1 && chart.series.length > 0 && (
        <Chart
          title="Containment rate (self-service / sessions)"
          yLabel="%"
          x={chart.x}
          series={chart.series}
          timeZone={report!.timeZone}
        />
      )}
      {perBot.length > 0 && (
        <>
          <h2>Per bot, whole range</h2>
          <table class="data" id="bot-totals">
            <thead>
              <tr>
                <th scope="col">Bot</th>
                <th scope="col">
                  <a href="#/definitions/bot.sessions">Sessions</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/bot.selfService">Self-service</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/bot.dropOff">Drop-off</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/bot.agent">To an agent</a>
                </th>
                <th scope="col">
                  <a href="#/definitions/bot.selfService">Containment %</a>
                </th>
              </tr>
            </thead>
            <tbody>
              {perBot.map(([bot, t]) => (
                <tr key={bot} data-bot-id={bot}>
                  <th scope="row">{bot}</th>
                  <td>
                    <Num metric="bot.sessions">{text.count(t.sessions)}</Num>
                  </td>
                  <td>
                    <Num metric="bot.selfService">{text.count(t.selfService)}</Num>
                  </td>
                  <td>
                    <Num metric="bot.dropOff">{text.count(t.dropOff)}</Num>
                  </td>
                  <td>
                    <Num metric="bot.agent">{text.count(t.agent)}</Num>
                  </td>
                  <td>
                    <Num metric="bot.selfService">{text.percent(rate(t))}</Num>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Per interval</h2>
          <div class="scroll">
            <table class="data" id="bot-table">
              <thead>
                <tr>
                  <th scope="col">Start</th>
                  <th scope="col">Bot</th>
                  <th scope="col">Sessions</th>
                  <th scope="col">Self-service</th>
                  <th scope="col">Drop-off</th>
                  <th scope="col">To an agent</th>
                  <th scope="col">Containment %</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={`${r.start}-${r.bot.botId}`}>
                    <td>{dateTime(r.start, report!.timeZone)}</td>
                    <td>{r.bot.botId}</td>
                    <td>
                      <Num metric="bot.sessions">{text.count(r.sessions)}</Num>
                    </td>
                    <td>
                      <Num metric="bot.selfService">{text.count(r.selfService)}</Num>
                    </td>
                    <td>
                      <Num metric="bot.dropOff">{text.count(r.dropOff)}</Num>
                    </td>
                    <td>
                      <Num metric="bot.agent">{text.count(r.agent)}</Num>
                    </td>
                    <td>
                      <Num metric="bot.selfService">{text.percent(rate(r))}</Num>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
