/** Where every number links: its definition, as docs/metrics.md and the README state it (read at build time). */
import { useEffect } from 'preact/hooks';
import definitions from 'virtual:definitions';

/** Numbers the live view shows, defined in docs/live.md. */
const LIVE = [
  {
    id: 'live.waiting',
    name: 'waiting',
    group: 'Live queues',
    text: 'sessions in the queue or offered to an operator, not yet accepted, right now',
    source: 'docs/live.md#get-v1livequeues',
  },
  {
    id: 'live.longestWait',
    name: 'longestWaitMs',
    group: 'Live queues',
    text: 'how long the longest-waiting of those sessions has waited since it entered the queue',
    source: 'docs/live.md#get-v1livequeues',
  },
  {
    id: 'live.inProgress',
    name: 'inProgress',
    group: 'Live queues',
    text: "the queue's sessions not over yet, by status: before call (accepted, the guest not in yet), talking, after-call work",
    source: 'docs/live.md#get-v1livequeues',
  },
];

export function Definitions(props: { focus?: string | undefined }) {
  const all = [...LIVE, ...definitions];
  const groups = [...new Set(all.map((d) => d.group))];
  useEffect(() => {
    if (props.focus) document.getElementById(`def-${props.focus}`)?.scrollIntoView({ block: 'center' });
  }, [props.focus]);
  return (
    <section aria-labelledby="definitions-title">
      <h1 id="definitions-title">Definitions</h1>
      <p>
        How every number is computed, from <code>docs/metrics.md</code>, <code>docs/live.md</code> and the
        README’s state durations. Averages are <code>sum / count</code>; ratios come from summed counts, never
        averaged.
      </p>
      {groups.map((g) => (
        <div key={g}>
          <h2>{g}</h2>
          <dl class="definitions">
            {all
              .filter((d) => d.group === g)
              .map((d) => (
                <div key={d.id} id={`def-${d.id}`} class={props.focus === d.id ? 'focus' : undefined}>
                  <dt>
                    <code>{d.name}</code>
                  </dt>
                  <dd>
                    {d.text.replace(/`/g, '')} <span class="muted">({d.source})</span>
                  </dd>
                </div>
              ))}
          </dl>
        </div>
      ))}
    </section>
  );
}
