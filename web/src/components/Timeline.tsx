/**
 * A state timeline (Gantt): one lane per subject, bars placed on a shared time axis. Plain HTML rather than a
 * canvas chart — uPlot has no state-timeline series (its timeline is a demo plugin that draws by hand), and
 * elements give every bar its text, keyboard focus and a title for free. Each lane is also a list a screen
 * reader reads in order.
 */
import { duration, time } from '../format.js';

export interface Segment {
  start: number;
  end: number;
  /** The state's name (also its CSS class). */
  state: string;
  /** Text beside the state (an operator, a queue). */
  detail?: string;
}
export interface Lane {
  label: string;
  segments: Segment[];
  markers?: { at: number; label: string }[];
}

const STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600].map(
  (s) => s * 1000,
);

export function Timeline(props: {
  lanes: Lane[];
  from: number;
  to: number;
  timeZone?: string;
  label: string;
}) {
  const span = Math.max(1, props.to - props.from);
  const step = STEPS.find((s) => span / s <= 8) ?? 43_200_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(props.from / step) * step; t <= props.to; t += step) ticks.push(t);
  const pos = (t: number) => `${(((t - props.from) / span) * 100).toFixed(3)}%`;
  const width = (a: number, b: number) => `${Math.max(0.2, ((b - a) / span) * 100).toFixed(3)}%`;
  return (
    <figure class="timeline" aria-label={props.label}>
      <div class="axis" aria-hidden="true">
        <span class="lane-label" />
        <div class="track">
          {ticks.map((t) => (
            <span class="tick" key={t} style={{ left: pos(t) }}>
              {time(t, props.timeZone)}
            </span>
          ))}
        </div>
      </div>
      {props.lanes.map((lane) => (
        <div class="lane" key={lane.label} data-lane={lane.label}>
          <span class="lane-label">{lane.label}</span>
          <ol class="track">
            {lane.segments.map((s) => (
              <li
                key={`${s.state}-${s.start}`}
                class={`bar state ${s.state}`}
                style={{ left: pos(s.start), width: width(s.start, s.end) }}
                tabIndex={0}
                title={`${s.state}${s.detail ? ` (${s.detail})` : ''}: ${duration(s.end - s.start)}, ${time(s.start, props.timeZone)}–${time(s.end, props.timeZone)}`}
                data-state={s.state}
                data-duration-ms={s.end - s.start}
              >
                <span class="bar-text">
                  {s.state} {duration(s.end - s.start)}
                </span>
              </li>
            ))}
            {lane.markers?.map((m) => (
              <li
                key={`m-${m.at}-${m.label}`}
                class="marker"
                style={{ left: pos(m.at) }}
                tabIndex={0}
                title={`${m.label} at ${time(m.at, props.timeZone)}`}
              >
                <span class="sr-only">
                  {m.label} at {time(m.at, props.timeZone)}
                </span>
              </li>
            ))}
          </ol>
        </div>
      ))}
    </figure>
  );
}
