/**
 * Issue 14's export goal: every session of the dataset's tenant streamed by `GET /v1/exports/sessions` to a
 * file, in sessions a second, with the server's resident memory sampled through the run (flat means the
 * export holds a batch, never the range). The baseline, in the same run on PostgreSQL, is the database
 * itself writing the same rows' stored documents to a file (`psql \copy`, no HTTP, no reshaping): how close
 * the export comes to what the rows cost to read at all.
 */
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RunningServer } from './procs.js';

export interface ExportTiming {
  sessions: number;
  bytes: number;
  seconds: number;
  perSecond: number;
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  /** The baseline: the same rows' documents written by the database (`\copy`), PostgreSQL only. */
  baseline: { rows: number; seconds: number; perSecond: number } | null;
}

/** The server's resident set in MiB, read from /proc (Linux). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export async function exportBench(options: {
  server: RunningServer;
  secret: string;
  tenantId: string;
  databaseUrl: string | undefined;
  log: (line: string) => void;
}): Promise<ExportTiming> {
  const { server, secret, log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-export-'));
  try {
    const file = join(dir, 'sessions.ndjson');
    const rssStart = rssMb(server.pid);
    let rssMax = rssStart;
    const sampler = setInterval(() => (rssMax = Math.max(rssMax, rssMb(server.pid))), 250);
    let lines = 0;
    const started = performance.now();
    try {
      const response = await fetch(`${server.url}/v1/exports/sessions?format=ndjson`, {
        headers: { authorization: `Bearer ${secret}` },
      });
      if (!response.ok || !response.body) throw new Error(`export answered ${response.status}`);
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          done(null, chunk);
        },
      });
      await pipeline(
        Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
        counter,
        createWriteStream(file),
      );
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const timing: ExportTiming = {
      sessions: lines,
      bytes: statSync(file).size,
      seconds,
      perSecond: lines / seconds,
      rssStartMb: rssStart,
      rssMaxMb: rssMax,
      rssEndMb: rssMb(server.pid),
      baseline: null,
    };
    log(
      `  export: ${lines.toLocaleString('en-US')} sessions in ${seconds.toFixed(1)} s = ${Math.round(timing.perSecond).toLocaleString('en-US')}/s; server RSS ${rssStart.toFixed(0)} → max ${rssMax.toFixed(0)} MiB`,
    );
    if (options.databaseUrl) {
      rmSync(file);
      const copyStarted = performance.now();
      const sql = `\\copy (SELECT doc FROM sessions WHERE tenant_id = '${options.tenantId}' ORDER BY created, id) TO '${file}'`;
      await new Promise<void>((resolve, reject) => {
        const child = spawn('psql', [options.databaseUrl!, '-X', '-q', '-c', sql], { stdio: 'inherit' });
        child.once('error', reject);
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`))));
      });
      const copySeconds = (performance.now() - copyStarted) / 1000;
      const rows = await countLines(file);
      timing.baseline = { rows, seconds: copySeconds, perSecond: rows / copySeconds };
      log(
        `  baseline (\\copy of the same rows): ${rows.toLocaleString('en-US')} in ${copySeconds.toFixed(1)} s = ${Math.round(rows / copySeconds).toLocaleString('en-US')}/s`,
      );
    }
    return timing;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function countLines(file: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>)
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
  return lines;
}
