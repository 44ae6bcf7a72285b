/** The report parameters every report view shares: range, interval, IANA zone. */
import { INTERVALS, ZONES } from '../report.js';
import { browserZone } from '../format.js';

export interface Range {
  from: string;
  to: string;
  interval: string;
  timeZone: string;
}

export function RangeFields(props: {
  value: Range;
  onChange: (r: Range) => void;
  intervals?: readonly string[];
}) {
  const set = (key: keyof Range) => (e: Event) =>
    props.onChange({ ...props.value, [key]: (e.target as HTMLInputElement).value });
  const zones = [...new Set([browserZone, ...ZONES])];
  return (
    <>
      <label>
        From
        <input type="date" name="from" value={props.value.from} onChange={set('from')} required />
      </label>
      <label>
        To (exclusive)
        <input type="date" name="to" value={props.value.to} onChange={set('to')} required />
      </label>
      <label>
        Interval
        <select name="interval" value={props.value.interval} onChange={set('interval')}>
          {(props.intervals ?? INTERVALS).map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
      </label>
      <label>
        Time zone
        <input
          name="timeZone"
          list="zones"
          value={props.value.timeZone}
          onChange={set('timeZone')}
          required
        />
        <datalist id="zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </label>
    </>
  );
}
