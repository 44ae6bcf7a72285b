/** Number formatting and the link every number carries to its definition. */
import type { ComponentChildren } from 'preact';

const integer = new Intl.NumberFormat('en-GB', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-GB', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** Plain-text forms, shared by the tables and their CSV (so the CSV is exactly what is shown). */
export const text = {
  count: (n: number | null | undefined) => (n === null || n === undefined ? '' : String(n)),
  /** A fraction 0–1 as a percentage with one decimal; empty when null. */
  percent: (f: number | null | undefined) =>
    f === null || f === undefined || !Number.isFinite(f) ? '' : (f * 100).toFixed(1),
  /** Milliseconds as seconds with one decimal; empty when null. */
  seconds: (ms: number | null | undefined) =>
    ms === null || ms === undefined || !Number.isFinite(ms) ? '' : (ms / 1000).toFixed(1),
  /** An average `sum / count` in seconds; empty when nothing counted. */
  average: (m: { sum: number; count: number }) => (m.count === 0 ? '' : (m.sum / m.count / 1000).toFixed(1)),
};

/** A duration for people: 42 s, 3 min 05 s, 1 h 02 min. */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return ms < 10_000 && ms % 1000 !== 0 ? `${oneDecimal.format(ms / 1000)} s` : `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export function count(n: number): string {
  return integer.format(n);
}

export function percent(f: number | null): string {
  return f === null || !Number.isFinite(f) ? '—' : `${oneDecimal.format(f * 100)} %`;
}

/** A number that links to the definition of the metric it shows (the Definitions view). */
export function Num(props: { metric: string; children: ComponentChildren; label?: string }) {
  return (
    <a
      class="num"
      href={`#/definitions/${props.metric}`}
      title={`How ${props.label ?? props.metric.split('.')[1]} is computed`}
      data-metric={props.metric}
    >
      {props.children}
    </a>
  );
}

/** Local date-time text in a zone (the report's zone, or the browser's). */
export function dateTime(iso: string | number | null, timeZone?: string): string {
  if (iso === null) return '—';
  return new Date(iso).toLocaleString('en-GB', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

export function time(iso: string | number, timeZone?: string): string {
  return new Date(iso).toLocaleTimeString('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The browser's IANA zone. */
export const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Today's date (YYYY-MM-DD) in a zone, and a date `days` later. */
export function isoDate(date: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(date);
}
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** A CSV file of rows of text cells (RFC 4180 quoting), downloaded by the browser. */
export function toCsv(rows: string[][]): string {
  const cell = (c: string) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return rows.map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
export function download(name: string, content: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
