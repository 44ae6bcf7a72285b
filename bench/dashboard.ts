/**
 * The dashboard's budget (issue 13), measured — not a timed test: JavaScript shipped for the first view (gzip),
 * the wallboard's first paint on localhost with the demo data, the time to draw a 30-day PT15M chart of 20
 * queues, and the heap of an open wallboard over a period of live updates. Writes its table into BENCHMARKS.md
 * between `<!-- bench:dashboard:start -->` and `<!-- bench:dashboard:end -->` only (appended when missing).
 *
 *   npm run bench:dashboard [-- --live-seconds 60] [--no-report] [--screenshots]
 *
 * `--screenshots` also saves docs/images/wallboard.png and docs/images/session-timeline.png from the demo data.
 */
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { openStore } from '../src/db/store.js';
import { migrate } from '../src/db/migrate.js';
import { fileBlobStore } from '../src/files/blobs.js';
import { backfill, ensureDemoTenant } from '../src/demo/demo.js';
import { ingest } from '../src/events/service.js';
import { createTenant } from '../src/tenants/repository.js';
import { packageRoot } from '../src/paths.js';
import { launch } from '../test/browser/browser.js';

const args = process.argv.slice(2);
const liveSeconds = Number(args[args.indexOf('--live-seconds') + 1] || 60) || 60;
const report = !args.includes('--no-report');
const screenshots = args.includes('--screenshots');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

const dir = mkdtempSync(join(tmpdir(), 'switchboard-dash-bench-'));
const db = await openStore({ dataDir: join(dir, 'pglite') });
await migrate(db);
const app = await buildApp({ db, blobs: fileBlobStore(join(dir, 'blobs')) });
const now = Date.now();
console.log('demo data: 7 days, 3,000 sessions (what npm start backfills)…');
const demo = await ensureDemoTenant(db, dir);
await backfill(db, demo.tenantId, { days: 7, sessions: 3_000, now });

// A tenant with 20 queues and 30 days of traffic for the chart measurement.
console.log('chart data: 20 queues, 30 days, 6,000 sessions…');
const wide = await db.tx((q) => createTenant(q, { name: 'wide' }));
const DAY = 86_400_000;
const start = Math.floor((now - 30 * DAY) / DAY) * DAY;
let batch: unknown[] = [];
for (let i = 0; i < 6_000; i++) {
  const t = start + Math.floor((((i * 7919) % 6_000) / 6_000) * 30 * DAY);
  const group = { id: (i % 20) + 1, name: `Queue ${(i % 20) + 1}` };
  const id = `w-${i}`;
  const op = { id: String(100 + (i % 30)) };
  const iso = (ms: number) => new Date(t + ms).toISOString();
  batch.push(
    { id: `${id}-0`, sessionId: id, type: 'session.created', at: iso(0), channel: 'chat' },
    { id: `${id}-1`, sessionId: id, type: 'routing.requested', at: iso(1000), group },
    { id: `${id}-2`, sessionId: id, type: 'routing.queued', at: iso(1000), group },
    ...(i % 10 === 0
      ? [{ id: `${id}-3`, sessionId: id, type: 'guest.left', at: iso(30_000) }]
      : [
          {
            id: `${id}-3`,
            sessionId: id,
            type: 'routing.assigned',
            at: iso(5_000 + (i % 40) * 1000),
            operator: op,
          },
          {
            id: `${id}-4`,
            sessionId: id,
            type: 'routing.accepted',
            at: iso(8_000 + (i % 40) * 1000),
            operator: op,
          },
          { id: `${id}-5`, sessionId: id, type: 'session.ended', at: iso(200_000) },
        ]),
  );
  if (batch.length >= 5_000) {
    await ingest(db, wide.id, batch);
    batch = [];
  }
}
if (batch.length) await ingest(db, wide.id, batch);

await app.listen({ port: 0, host: '127.0.0.1' });
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const browser = await launch();

async function signedIn(clientId: string, clientSecret: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(`${base}/`);
  await page.getByLabel('Client id').fill(clientId);
  await page.getByLabel('Client secret').fill(clientSecret);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('.tile').first().waitFor();
  return { context, page };
}

// 1. JavaScript of the first view: every script the wallboard loads, gzip -9 as a server would send it.
const { context, page } = await signedIn(demo.clientId, demo.clientSecret);
const scripts = new Set<string>();
page.on('response', (r) => {
  if (r.request().resourceType() === 'script') scripts.add(new URL(r.url()).pathname);
});
await page.goto(`${base}/#/wallboard`);
await page.reload();
await page.locator('.tile').first().waitFor();
const webDir = join(packageRoot, 'dist', 'web', 'ui');
const gz = (path: string) => gzipSync(readFileSync(join(webDir, path.replace('/ui/', '')))).length;
const firstViewJs = [...scripts].reduce((sum, path) => sum + gz(path), 0);
const allJs = readdirSync(webDir)
  .filter((f) => f.endsWith('.js'))
  .reduce((sum, f) => sum + gz(`/ui/${f}`), 0);

// 2. Wallboard first paint: a fresh load (cached bundle, as a wallboard reload is) to the tiles drawn.
const paints: number[] = [];
const fcps: number[] = [];
for (let i = 0; i < 7; i++) {
  const started = Date.now();
  await page.reload();
  await page.locator('.tile').first().waitFor();
  paints.push(Date.now() - started);
  fcps.push(
    await page.evaluate(() => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN),
  );
}
if (screenshots) {
  mkdirSync(join(packageRoot, 'docs', 'images'), { recursive: true });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: join(packageRoot, 'docs', 'images', 'wallboard.png') });
  const list = await (
    await fetch(`${base}/v1/sessions?limit=100&status=CLOSED`, {
      headers: { authorization: `Bearer ${demo.clientSecret}` },
    })
  ).json();
  const pick = list.items.find((s: any) => s.operatorIds.length >= 2) ?? list.items[0];
  await page.goto(`${base}/#/sessions/${encodeURIComponent(pick.sessionId)}`);
  await page.locator('.timeline').waitFor();
  await page.locator('.timeline').scrollIntoViewIfNeeded();
  await page.screenshot({
    path: join(packageRoot, 'docs', 'images', 'session-timeline.png'),
    fullPage: true,
  });
}

// 3. A 30-day PT15M chart of 20 queues (57,600 rows): uPlot's draw, and the whole view from the click.
const w = await signedIn(wide.credentials.clientId, wide.credentials.clientSecret);
const from = new Date(start).toISOString().slice(0, 10);
const to = new Date(start + 30 * DAY).toISOString().slice(0, 10);
const draws: number[] = [];
const views: number[] = [];
for (let i = 0; i < 3; i++) {
  await w.page.goto(`${base}/#/wallboard`);
  await w.page.evaluate(() => ((window as any).__chartDraws = []));
  const started = Date.now();
  await w.page.goto(`${base}/#/queues?from=${from}&to=${to}&interval=PT15M&timeZone=UTC`);
  await w.page.waitForFunction(() => ((window as any).__chartDraws?.length ?? 0) >= 4, null, {
    timeout: 60_000,
  });
  views.push(Date.now() - started);
  const d = await w.page.evaluate(
    () => (window as any).__chartDraws as { title: string; ms: number; points: number }[],
  );
  const offered = d.find((x) => x.title === 'Offered by queue')!;
  if (offered.points !== 2880 * 20) throw new Error(`expected 2880 × 20 points, drew ${offered.points}`);
  draws.push(offered.ms);
}
await w.context.close();

// 4. Heap of an open wallboard while sessions change: GC, heap, `liveSeconds` of new sessions, GC, heap.
const cdp = await context.newCDPSession(page);
await page.goto(`${base}/#/wallboard`);
await page.locator('[data-live="live"]').waitFor();
const heap = async () => {
  await cdp.send('HeapProfiler.collectGarbage');
  return (await cdp.send('Runtime.getHeapUsage')).usedSize;
};
const heapBefore = await heap();
let posted = 0;
const until = Date.now() + liveSeconds * 1000;
const samples: number[] = [];
while (Date.now() < until) {
  const t = Date.now();
  const id = `live-${posted++}`;
  await ingest(db, demo.tenantId, [
    {
      id: `${id}-0`,
      sessionId: id,
      type: 'session.created',
      at: new Date(t - 1000).toISOString(),
      channel: 'chat',
    },
    {
      id: `${id}-1`,
      sessionId: id,
      type: 'routing.requested',
      at: new Date(t).toISOString(),
      group: { id: 1 },
    },
  ]);
  app.switchboard.hub.wake();
  await new Promise((r) => setTimeout(r, 250));
  if (posted % 40 === 0) samples.push(await heap());
}
const heapAfter = await heap();
await browser.close();
await app.close();
await db.close();
rmSync(dir, { recursive: true, force: true });

const rows: [string, string, string, string][] = [
  [
    'JavaScript of the first view (wallboard), gzip',
    kb(firstViewJs),
    '≤ 250 KB',
    firstViewJs <= 250 * 1024 ? 'PASS' : 'FAIL',
  ],
  ['All JavaScript of the dashboard (uPlot chunk included), gzip', kb(allJs), '—', ''],
  [
    'Wallboard first paint: reload → queue tiles drawn (median of 7)',
    `${median(paints)} ms`,
    '≤ 1 s',
    median(paints) <= 1000 ? 'PASS' : 'FAIL',
  ],
  ['… first contentful paint (median)', `${Math.round(median(fcps))} ms`, '', ''],
  [
    '30-day PT15M chart of 20 queues (57,600 points): uPlot draw (median of 3)',
    `${median(draws).toFixed(1)} ms`,
    '≤ 200 ms',
    median(draws) <= 200 ? 'PASS' : 'FAIL',
  ],
  ['… the whole view: fetch 57,600 rows, 4 charts, table page (median)', `${median(views)} ms`, '', ''],
  [
    `Wallboard heap after GC: before → after ${liveSeconds} s of live updates (${posted} new sessions, one every 250 ms)`,
    `${kb(heapBefore)} → ${kb(heapAfter)}`,
    'stable',
    heapAfter < heapBefore * 1.5 + 512 * 1024 ? 'PASS' : 'FAIL',
  ],
  ['… heap samples during the period', samples.map((s) => kb(s)).join(', ') || '—', '', ''],
];
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, headless Chromium, embedded store, localhost (\`npm run bench:dashboard\`). The heap period is ${liveSeconds} s, not the issue's hour: run \`npm run bench:dashboard -- --live-seconds 3600\` for that.`,
  '',
  '| measure | result | budget | |',
  '| --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
console.log(`\n${table}\n`);

if (report) {
  const file = join(packageRoot, 'BENCHMARKS.md');
  const text = readFileSync(file, 'utf8');
  const START = '<!-- bench:dashboard:start -->';
  const END = '<!-- bench:dashboard:end -->';
  const section = `${START}\n${table}\n${END}`;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  writeFileSync(
    file,
    a >= 0 && b > a
      ? text.slice(0, a) + section + text.slice(b + END.length)
      : `${text.replace(/\n*$/, '\n')}\n## Dashboard (issue 13)\n\n${section}\n`,
  );
  console.log('BENCHMARKS.md: the dashboard section written');
}
