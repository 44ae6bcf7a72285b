/**
 * The calls of issue 10's table, as each dialect's client makes them: its own credentials (Evo's cookie
 * session, mluvii's OAuth token, Kore's `auth` JWT, the native Bearer secret) and its own paging to reach a
 * deep page (Evo `page` with totalCount, Kore `skip` with `total`, mluvii `offset`, the native cursor). A deep
 * page is as deep as the issue names (Evo page 1000, Kore skip 10,000, native row 10,000, mluvii the day's last
 * page) or, on a smaller dataset, the deepest full page there is. Every call is tried once here, so a broken
 * call fails the bench before anything is measured.
 */
import { defaultModel } from '../src/simulator/model.js';
import { koreToken } from '../src/dialects/kore/token.js';
import type { HttpRequest } from './loadgen.js';
import type { Credentials, Meta } from './dataset.js';

export interface Call {
  key: string;
  dialect: 'Evo' | 'Kore' | 'mluvii' | 'native';
  /** The call as the issue names it. */
  name: string;
  /** Which page: "first", or how deep. */
  page: string;
  kind: 'list' | 'get';
  /** Requests sent in turn (a GET by id cycles over many ids). */
  requests: HttpRequest[];
}

const DAY = 86_400_000;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const n = (value: number) => value.toLocaleString('en-US');

/** Sends one request and returns its JSON; anything but 200 is an error. */
async function send(base: string, request: HttpRequest): Promise<any> {
  const response = await fetch(new URL(request.path, base), {
    method: request.method,
    headers: request.headers,
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`${request.method} ${request.path} answered ${response.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

/** The clients' credentials, fetched the way each client does. */
export async function clientHeaders(base: string, tenant: Credentials) {
  const login = await fetch(new URL('/auth/credentials', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userName: tenant.clientId, password: tenant.clientSecret, rememberMe: true }),
  });
  if (login.status !== 200) throw new Error(`Evo login answered ${login.status}: ${await login.text()}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = await fetch(new URL('/login/connect/token', base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: tenant.clientId,
      client_secret: tenant.clientSecret,
    }).toString(),
  });
  if (token.status !== 200) throw new Error(`mluvii token answered ${token.status}: ${await token.text()}`);
  const { access_token } = (await token.json()) as { access_token: string };
  const kore = await koreToken({
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
    expiresIn: 86_400,
  });
  return {
    native: { authorization: `Bearer ${tenant.clientSecret}` },
    evo: { cookie, accept: 'application/json' },
    mluvii: { authorization: `Bearer ${access_token}` },
    kore: { auth: kore, 'content-type': 'application/json' },
  };
}

/** Native `GET /v1/sessions/{id}` over the given ids in turn, as the tenant. */
export function getById(tenant: Credentials, ids: string[]): Call {
  return {
    key: 'native-get',
    dialect: 'native',
    name: 'native GET /v1/sessions/{id}',
    page: `${n(ids.length)} ids`,
    kind: 'get',
    requests: ids.map((id) => ({
      method: 'GET',
      path: `/v1/sessions/${id}`,
      headers: { authorization: `Bearer ${tenant.clientSecret}` },
    })),
  };
}

export interface Window {
  start: number;
  end: number;
}

/** Builds every call of the table against a running server and checks that each answers with rows. */
export async function prepareCalls(base: string, meta: Meta, window: Window): Promise<Call[]> {
  const h = await clientHeaders(base, meta.tenant);
  let calls: Call[] = [];
  const get = (path: string, headers: Record<string, string>): HttpRequest => ({
    method: 'GET',
    path,
    headers,
  });

  // Evo: page with totalCount (the default), and simplifiedPaging=true.
  const evoPath = (page: number, simplified: boolean) =>
    `/sessions?countPerPage=25&page=${page}${simplified ? '&simplifiedPaging=true' : ''}`;
  const evoTotal = (await send(base, get(evoPath(0, false), h.evo))).totalCount as number;
  const evoDeep = Math.min(1000, Math.floor((evoTotal - 1) / 25));
  for (const simplified of [false, true]) {
    const name = `Evo GET /sessions?countPerPage=25${simplified ? '&simplifiedPaging=true' : ' (totalCount)'}`;
    calls.push(
      {
        key: `evo${simplified ? '-simple' : ''}-first`,
        dialect: 'Evo',
        name,
        page: 'page 0',
        kind: 'list',
        requests: [get(evoPath(0, simplified), h.evo)],
      },
      {
        key: `evo${simplified ? '-simple' : ''}-deep`,
        dialect: 'Evo',
        name,
        page: `page ${n(evoDeep)} (row ${n(evoDeep * 25)})`,
        kind: 'list',
        requests: [get(evoPath(evoDeep, simplified), h.evo)],
      },
    );
  }

  // Kore: getSessions of one bot over a 6-day window, skip with total.
  const botId = defaultModel.bots[0].botId;
  const kore = (skip: number): HttpRequest => ({
    method: 'POST',
    path: `/api/public/bot/${botId}/getSessions`,
    headers: h.kore,
    body: JSON.stringify({ dateFrom: day(window.end - 6 * DAY), dateTo: day(window.end), skip, limit: 100 }),
  });
  const koreTotal = (await send(base, kore(0))).total as number;
  const koreSkip = Math.min(10_000, Math.floor((koreTotal - 1) / 100) * 100);
  const koreName = 'Kore POST getSessions, 6-day window, limit 100';
  calls.push(
    { key: 'kore-first', dialect: 'Kore', name: koreName, page: 'skip 0', kind: 'list', requests: [kore(0)] },
    {
      key: 'kore-deep',
      dialect: 'Kore',
      name: koreName,
      page: `skip ${n(koreSkip)}`,
      kind: 'list',
      requests: [kore(koreSkip)],
    },
  );

  // mluvii: one day, limit 1000, offset paging; its deepest page is the day's last.
  const middle = window.start + Math.floor((window.end - window.start) / DAY / 2) * DAY;
  const dayCount = (
    await send(base, get(`/sessions?StartDate=${day(middle)}&EndDate=${day(middle)}&countPerPage=1`, h.evo))
  ).totalCount as number;
  const mluvii = (offset: number) =>
    get(
      `/api/v1/Sessions?Created.Min=${new Date(middle).toISOString()}&Created.Max=${new Date(middle + DAY - 1).toISOString()}&limit=1000&offset=${offset}`,
      h.mluvii,
    );
  const mluviiOffset = Math.floor((dayCount - 1) / 1000) * 1000;
  const mluviiName = `mluvii GET /api/v1/Sessions, one day (${n(dayCount)} sessions), limit 1000`;
  calls.push(
    {
      key: 'mluvii-first',
      dialect: 'mluvii',
      name: mluviiName,
      page: 'offset 0',
      kind: 'list',
      requests: [mluvii(0)],
    },
    {
      key: 'mluvii-deep',
      dialect: 'mluvii',
      name: mluviiName,
      page: `offset ${n(mluviiOffset)} (last page)`,
      kind: 'list',
      requests: [mluvii(mluviiOffset)],
    },
  );

  // Native: filters that match little (no AV session is a bot's), and 100 rows of common filters.
  calls.push({
    key: 'native-sparse',
    dialect: 'native',
    name: 'native GET /v1/sessions?channel=av&containment=selfService',
    page: 'first',
    kind: 'list',
    requests: [get('/v1/sessions?channel=av&containment=selfService', h.native)],
  });
  const common = `/v1/sessions?limit=100&channel=chat&createdFrom=${new Date(window.end - 7 * DAY).toISOString()}&createdTo=${new Date(window.end).toISOString()}`;
  let cursor: string | null = null;
  let rows = 0;
  for (let page = 0; page < 100; page++) {
    const answer = await send(base, get(cursor ? `${common}&cursor=${cursor}` : common, h.native));
    if (!answer.nextCursor) break;
    rows += answer.items.length;
    cursor = answer.nextCursor;
  }
  const nativeName = 'native GET /v1/sessions?limit=100&channel=chat, last 7 days';
  calls.push(
    {
      key: 'native-first',
      dialect: 'native',
      name: nativeName,
      page: 'first',
      kind: 'list',
      requests: [get(common, h.native)],
    },
    ...(cursor
      ? [
          {
            key: 'native-deep',
            dialect: 'native' as const,
            name: nativeName,
            page: `cursor at row ${n(rows)}`,
            kind: 'list' as const,
            requests: [get(`${common}&cursor=${cursor}`, h.native)],
          },
        ]
      : []),
  );

  calls.push(getById(meta.tenant, meta.sampleIds));

  // A dataset too small for a deep page has none: its "deep" page would be the first one again.
  const deepIsFirst = (key: string) =>
    key === 'evo-deep' || key === 'evo-simple-deep'
      ? evoDeep === 0
      : key === 'kore-deep'
        ? koreSkip === 0
        : key === 'mluvii-deep' && mluviiOffset === 0;
  calls = calls.filter((c) => !deepIsFirst(c.key));
  // Every call answers, and every page but the sparse filter's has rows.
  for (const call of calls) {
    const body = await send(base, call.requests[0]);
    const items = Array.isArray(body) ? body : (body.items ?? body.sessions ?? [body]);
    if (items.length === 0 && call.key !== 'native-sparse')
      throw new Error(`${call.name} (${call.page}) answered no rows: the dataset is too small for it`);
  }
  return calls;
}
