/** Sessions: the native list's filters, newest first, paged by the API's keyset cursor (any depth, any size). */
import { useEffect, useState } from 'preact/hooks';
import { api, qs, type SessionPage as Page } from '../api.js';
import { dateTime, duration, Num } from '../format.js';

const PAGE_SIZE = 50;
const STATUSES = ['CREATED', 'IN_QUEUE', 'WAITING', 'BCW', 'ACTIVE', 'ACW', 'CLOSED', 'BLACKLISTED'];
const FILTERS = [
  'createdFrom',
  'createdTo',
  'channel',
  'status',
  'operator',
  'group',
  'bot',
  'containment',
] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** A datetime-local value (the browser's zone) as an RFC 3339 instant. */
const instant = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function Sessions(props: { query: URLSearchParams }) {
  const [filters, setFilters] = useState<Filters>(() => {
    const given: Filters = {};
    for (const f of FILTERS) {
      const value = props.query.get(f);
      if (value) given[f] = value;
    }
    return given;
  });
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Page | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [applied, setApplied] = useState<Filters>(filters);

  const cursor = cursors[cursors.length - 1];
  useEffect(() => {
    setError(null);
    api<Page>(
      `/v1/sessions${qs({
        ...applied,
        createdFrom: instant(applied.createdFrom),
        createdTo: instant(applied.createdTo),
        limit: PAGE_SIZE,
        cursor,
      })}`,
    ).then(setPage, (e: unknown) => setError((e as Error).message));
  }, [applied, cursor]);

  const field = (key: (typeof FILTERS)[number]) => ({
    name: key,
    value: filters[key] ?? '',
    onInput: (e: Event) =>
      setFilters({ ...filters, [key]: (e.target as HTMLInputElement).value || undefined }),
  });
  return (
    <section aria-labelledby="sessions-title">
      <h1 id="sessions-title">Sessions</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setCursors([undefined]);
          setApplied({ ...filters });
        }}
      >
        <label>
          Created from
          <input type="datetime-local" {...field('createdFrom')} />
        </label>
        <label>
          Created before
          <input type="datetime-local" {...field('createdTo')} />
        </label>
        <label>
          Channel
          <select {...field('channel')}>
            <option value="">any</option>
            {['chat', 'av', 'phone', 'fax'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select {...field('status')}>
            <option value="">any</option>
            {STATUSES.map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <label>
          Operator id
          <input {...field('operator')} />
        </label>
        <label>
          Queue id
          <input type="number" min={0} {...field('group')} />
        </label>
        <label>
          Bot id
          <input {...field('bot')} />
        </label>
        <label>
          Containment
          <select {...field('containment')}>
            <option value="">any</option>
            {['selfService', 'dropOff', 'agent'].map((c) => (
              <option key={c} value={c}>
                {c}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {page && (
        <>
          <div class="scroll">
            <table class="data" id="sessions-table">
              <caption class="sr-only">Sessions, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Session</th>
                  <th scope="col">Created</th>
                  <th scope="col">Channel</th>
                  <th scope="col">Status</th>
                  <th scope="col">Queue</th>
                  <th scope="col">Operators</th>
                  <th scope="col">
                    <a href="#/definitions/session.waited">Waited</a>
                  </th>
                  <th scope="col">
                    <a href="#/definitions/session.active">Active</a>
                  </th>
                  <th scope="col">
                    <a href="#/definitions/session.acw">ACW</a>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((s) => (
                  <tr key={s.sessionId} data-session-id={s.sessionId}>
                    <td>
                      <a href={`#/sessions/${encodeURIComponent(s.sessionId)}`}>{s.sessionId}</a>
                    </td>
                    <td>{dateTime(s.created)}</td>
                    <td>{s.channel ?? ''}</td>
                    <td>
                      <span class={`state ${s.status}`}>{s.status}</span>
                    </td>
                    <td>{s.groups.map((g) => g.name ?? g.id).join(', ')}</td>
                    <td>{s.operatorIds.join(', ')}</td>
                    <td>
                      <Num metric="session.waited">{duration(s.durations.waited)}</Num>
                    </td>
                    <td>
                      <Num metric="session.active">{duration(s.durations.active)}</Num>
                    </td>
                    <td>
                      <Num metric="session.acw">{duration(s.durations.acw)}</Num>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {page.items.length === 0 && <p>No sessions match.</p>}
          <nav class="pager" aria-label="Session pages">
            <button
              type="button"
              disabled={cursors.length === 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Previous
            </button>
            <span>Page {cursors.length}</span>
            <button
              type="button"
              disabled={!page.nextCursor}
              onClick={() => page.nextCursor && setCursors([...cursors, page.nextCursor])}
            >
              Next
            </button>
          </nav>
        </>
      )}
    </section>
  );
}
