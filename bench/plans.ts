/**
 * `--plans`: the query plans of every list call. An app built in this process on the bench database records
 * the SQL (and parameters) each call runs; every statement that reads `sessions` or `events` is then run
 * again under `EXPLAIN (ANALYZE, BUFFERS)`. Capturing on our side works on both stores and needs no server
 * log access (auto_explain would). The plans go to docs/performance.md between generated markers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import type { Db, Queryable } from '../src/db/store.js';
import { fileBlobStore } from '../src/files/blobs.js';
import { prepareCalls, type Call, type Window } from './calls.js';
import type { Meta } from './dataset.js';
import { ROOT } from './procs.js';

export interface Plan {
  call: Call;
  statements: { sql: string; plan: string; indexes: string[]; ms: number }[];
}

interface Recorded {
  sql: string;
  params: unknown[];
}

function recording(db: Db): { db: Db; take(): Recorded[] } {
  let log: Recorded[] = [];
  const watch = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      log.push({ sql, params: params ?? [] });
      return q.query(sql, params);
    },
    ...(q.changed ? { changed: q.changed.bind(q) } : {}),
  });
  const wrapped: Db = {
    kind: db.kind,
    ...watch(db),
    tx: (fn) => db.tx((q) => fn(watch(q))),
    poolStats: () => db.poolStats(),
    listen: (channel, onNotify) => db.listen(channel, onNotify),
    onChanged: (listener) => db.onChanged(listener),
    close: () => db.close(),
  };
  return {
    db: wrapped,
    take: () => {
      const taken = log;
      log = [];
      return taken;
    },
  };
}

/** The indexes a plan uses, or the tables it scans whole. */
export function indexesOf(plan: string): string[] {
  const found = new Set<string>();
  for (const match of plan.matchAll(
    /(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\S+)/g,
  ))
    found.add(`${match[2]} (${match[1]})`);
  for (const match of plan.matchAll(/Seq Scan on (\S+)/g)) found.add(`none: Seq Scan on ${match[1]}`);
  return [...found];
}

const READS_DATA = /^\s*SELECT\b[\s\S]*\bFROM\s+(sessions|events)\b/i;

export async function capturePlans(db: Db, meta: Meta, window: Window): Promise<Plan[]> {
  const recorder = recording(db);
  const blobs = mkdtempSync(join(tmpdir(), 'bench-plans-'));
  const app = await buildApp({ db: recorder.db, blobs: fileBlobStore(blobs) });
  try {
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    const calls = (await prepareCalls(base, meta, window)).filter((c) => c.kind === 'list');
    const plans: Plan[] = [];
    for (const call of calls) {
      recorder.take();
      const request = call.requests[0];
      const response = await fetch(new URL(request.path, base), {
        method: request.method,
        headers: request.headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${call.name} answered ${response.status}`);
      const statements = [];
      for (const { sql, params } of recorder.take().filter((r) => READS_DATA.test(r.sql))) {
        const started = performance.now();
        const result = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        const plan = result.rows.map((r) => r['QUERY PLAN']).join('\n');
        statements.push({
          sql: sql.replace(/\s+/g, ' ').trim(),
          plan,
          indexes: indexesOf(plan),
          ms: performance.now() - started,
        });
      }
      plans.push({ call, statements });
    }
    return plans;
  } finally {
    await app.close();
    rmSync(blobs, { recursive: true, force: true });
  }
}

/** Replaces the store's generated plans section of docs/performance.md (or adds it at the end). */
export function writePlans(plans: Plan[], store: 'postgres' | 'embedded', heading: string): string {
  const START = `<!-- bench:plans:${store}:start -->`;
  const END = `<!-- bench:plans:${store}:end -->`;
  const lines = [
    START,
    '',
    `### ${store === 'postgres' ? 'PostgreSQL' : 'Embedded store (PGlite)'}`,
    '',
    heading,
    '',
  ];
  lines.push('| call | page | statement | indexes | execution ms |', '|---|---|---|---|---|');
  for (const { call, statements } of plans) {
    for (const s of statements) {
      const executed = /Execution Time: ([\d.]+) ms/.exec(s.plan)?.[1] ?? '–';
      const what = /^SELECT count\(\*\)/i.test(s.sql) ? 'count' : 'page';
      lines.push(`| ${call.name} | ${call.page} | ${what} | ${s.indexes.join(', ') || '–'} | ${executed} |`);
    }
  }
  lines.push('');
  for (const { call, statements } of plans) {
    lines.push(`#### ${call.name} — ${call.page}`, '');
    for (const s of statements) {
      lines.push(
        `Indexes: ${s.indexes.length > 0 ? s.indexes.map((i) => `\`${i}\``).join(', ') : 'none'}`,
        '',
      );
      lines.push('```sql', s.sql, '```', '', '```', s.plan, '```', '');
    }
  }
  lines.push(END);
  const path = join(ROOT, 'docs', 'performance.md');
  const text = readFileSync(path, 'utf8');
  const from = text.indexOf(START);
  const to = text.indexOf(END);
  const updated =
    from >= 0 && to > from
      ? text.slice(0, from) + lines.join('\n') + text.slice(to + END.length)
      : `${text.trimEnd()}\n\n${lines.join('\n')}\n`;
  writeFileSync(path, updated);
  return path;
}
