/**
 * The list paths issue 10 made fast return what the slow ones did: Evo totals from the per-day counters equal a
 * count of the rows, deep pages read through the index equal a walk of every page, and mluvii's Created-range
 * pages come out in id order, every session once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import { simulate } from '../../src/simulator/simulate.js';

const NOW = Date.parse('2026-04-10T12:00:00Z');
const DAY = 86_400_000;
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW });
  const all = [...simulate({ seed: 21, sessions: 240, start: NOW - 6 * DAY, end: NOW - 60_000 })];
  for (let i = 0; i < all.length; i += 60) await h.ingest(all.slice(i, i + 60).flat());
});
after(() => h.close());

const basic = () => ({
  authorization: `Basic ${Buffer.from(`${h.tenant.credentials.clientId}:${h.tenant.credentials.clientSecret}`).toString('base64')}`,
});
const get = (url: string, headers: Record<string, string>) => h.request({ method: 'GET', url, headers });

async function counted(from: string | null, to: string | null): Promise<number> {
  const rows = await h.db.query<{ n: number }>(
    `SELECT count(*) AS n FROM sessions WHERE tenant_id = $1
        AND ($2::timestamptz IS NULL OR created >= $2) AND ($3::timestamptz IS NULL OR created < $3)`,
    [h.tenant.id, from, to],
  );
  return Number(rows.rows[0].n);
}

test('Evo totalCount from the day counters equals a count of the rows, for any day range', async () => {
  const day = (d: number) => new Date(NOW - d * DAY).toISOString().slice(0, 10);
  for (const [start, end] of [
    [null, null],
    [day(3), null],
    [null, day(2)],
    [day(5), day(1)],
    [day(2), day(2)],
    [day(30), day(20)],
  ] as const) {
    const query = `${start ? `&startDate=${start}` : ''}${end ? `&endDate=${end}` : ''}`;
    const page = (await get(`/sessions?countPerPage=7${query}`, basic())).json();
    const to = end ? new Date(Date.parse(`${end}T00:00:00Z`) + DAY).toISOString() : null;
    const expected = await counted(start ? `${start}T00:00:00Z` : null, to);
    assert.equal(page.totalCount, expected, query);
    assert.equal(page.totalPages, Math.ceil(expected / 7));
  }
  // With any other filter the rows are counted.
  const two = (
    await h.db.query<{ session_id: string }>('SELECT session_id FROM sessions WHERE tenant_id = $1 LIMIT 2', [
      h.tenant.id,
    ])
  ).rows;
  const specific = (
    await get(`/sessions?countPerPage=1&specificIds=${two.map((r) => r.session_id).join(',')}`, basic())
  ).json();
  assert.equal(specific.totalCount, 2);
});

test('Evo pages in every sort order walk every session once, as one big page does', async () => {
  for (const sort of ['DateCreated', 'DateLastModified', 'DateCompleted', 'Id']) {
    for (const order of ['Ascend', 'Descend']) {
      const whole = (
        await get(`/sessions?countPerPage=1000&sortField=${sort}&sortOrder=${order}`, basic())
      ).json();
      const walked: string[] = [];
      for (let page = 0; ; page++) {
        const p = (
          await get(`/sessions?countPerPage=50&page=${page}&sortField=${sort}&sortOrder=${order}`, basic())
        ).json();
        walked.push(...p.items.map((s: { id: string }) => s.id));
        if (!p.hasMorePages) break;
      }
      assert.deepEqual(
        walked,
        whole.items.map((s: { id: string }) => s.id),
        `${sort} ${order}`,
      );
      assert.equal(walked.length, await counted(null, null));
    }
  }
});

test('mluvii: a Created range pages in id order, every matching session once', async () => {
  const token = (
    await h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
    })
  ).json().access_token;
  const auth = { authorization: `Bearer ${token}` };
  const min = new Date(NOW - 4 * DAY).toISOString();
  const max = new Date(NOW - 2 * DAY).toISOString();
  const ids: number[] = [];
  for (let offset = 0; ; offset += 25) {
    const page = (
      await get(`/api/v1/Sessions?Created.Min=${min}&Created.Max=${max}&limit=25&offset=${offset}`, auth)
    ).json();
    ids.push(...page.map((s: { id: number }) => s.id));
    if (page.length < 25) break;
  }
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
    'id order',
  );
  const rows = await h.db.query<{ id: string }>(
    'SELECT id FROM sessions WHERE tenant_id = $1 AND created >= $2 AND created <= $3 ORDER BY id',
    [h.tenant.id, min, max],
  );
  assert.deepEqual(
    ids,
    rows.rows.map((r) => Number(r.id)),
  );
  assert.ok(ids.length > 20);
});
