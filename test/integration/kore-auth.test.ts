/**
 * The Kore `auth` JWT as real clients sign it: Kore's documented `{ sub, appId }`, and the Web SDK's
 * `{ iss: clientId, sub, aud, iat, exp, isAnonymous }` that a public Kore analytics client sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');
const BOT = 'st-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const SESSION = '64b65f87277b464507f778c0';
const KORE_AUD = 'https://idproxy.kore.com/authorize';
let h: Harness;

before(async () => {
  h = await harness({ now: () => NOW });
  const at = (s: number) => new Date(NOW - 3_600_000 + s * 1000).toISOString();
  const events = [
    {
      type: 'session.created',
      at: at(0),
      channel: 'chat',
      bot: { botId: BOT, userId: 'u-1', surface: 'rtm' },
    },
    { type: 'message', at: at(1), from: 'bot', text: 'Hi!', lang: 'en' },
    { type: 'message', at: at(2), from: 'guest', text: 'hi', lang: 'en' },
    { type: 'session.ended', at: at(3) },
  ].map((e, i) => ({ id: `${SESSION}-${i}`, sessionId: SESSION, ...e }));
  await h.ingest(events);
});
after(() => h.close());

const iat = Math.floor(NOW / 1000);

/** Signs `claims` exactly as given (no claims added), HS256 with `secret`. */
function sign(claims: JWTPayload, secret: string) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .sign(new TextEncoder().encode(secret));
}

/** The Kore Web SDK's token: the client id in `iss`, no `appId`. */
const sdkToken = (tenant: CreatedTenant, extra: JWTPayload = {}, secret?: string) =>
  sign(
    {
      iss: tenant.credentials.clientId,
      sub: BOT,
      aud: KORE_AUD,
      iat,
      exp: iat + 3600,
      isAnonymous: false,
      ...extra,
    },
    secret ?? tenant.credentials.clientSecret,
  );

const call = (url: string, auth: string, method: 'GET' | 'POST' = 'POST') =>
  h.request({
    method,
    url,
    headers: { auth, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}) },
    ...(method === 'POST' ? { payload: '{}' } : {}),
  });

function assertKore401(response: { statusCode: number; body: string; json(): any }, msg: RegExp) {
  assert.equal(response.statusCode, 401, response.body);
  const body = response.json();
  assert.deepEqual(Object.keys(body), ['errors']);
  assert.equal(body.errors.length, 1);
  assert.deepEqual(Object.keys(body.errors[0]).sort(), ['code', 'msg']);
  assert.equal(body.errors[0].code, 401);
  assert.match(body.errors[0].msg, msg);
}

test('the SDK token shape (iss = clientId, no appId) works for getSessions and getMessagesV2', async () => {
  const token = await sdkToken(h.tenant);
  const sessions = await call(`/api/public/bot/${BOT}/getSessions`, token);
  assert.equal(sessions.statusCode, 200, sessions.body);
  assert.deepEqual(
    sessions.json().sessions.map((s: { sessionId: string }) => s.sessionId),
    [SESSION],
  );
  const all = await call('/api/public/getSessions', token);
  assert.equal(all.json().total, 1);
  const messages = await call(`/api/public/bot/${BOT}/getMessagesV2`, token);
  assert.equal(messages.statusCode, 200, messages.body);
  assert.equal(messages.json().total, 2);
  const byGet = await call(`/api/public/bot/${BOT}/getMessagesV2?sessionId=${SESSION}`, token, 'GET');
  assert.equal(byGet.statusCode, 200, byGet.body);
  assert.equal(byGet.json().messages.length, 2);
  // The analytics client's variant: no isAnonymous.
  const analytics = await sign(
    { iss: h.tenant.credentials.clientId, sub: BOT, aud: KORE_AUD, iat, exp: iat + 300 },
    h.tenant.credentials.clientSecret,
  );
  assert.equal((await call(`/api/public/bot/${BOT}/getMessagesV2`, analytics)).statusCode, 200);
  // The token names its tenant: another tenant's SDK token sees none of these sessions.
  assert.equal((await call('/api/public/getSessions', await sdkToken(h.other))).json().total, 0);
});

test('appId wins over iss when both are present', async () => {
  const { tenant, other } = h;
  // A valid appId with an iss that names nothing (or another client) is accepted: iss does not matter.
  for (const iss of ['https://idproxy.kore.com', other.credentials.clientId]) {
    const token = await sdkToken(tenant, { appId: tenant.credentials.clientId, iss });
    const response = await call('/api/public/getSessions', token);
    assert.equal(response.statusCode, 200, `${iss}: ${response.body}`);
    assert.equal(response.json().total, 1, 'the appId tenant, not the iss one');
  }
  // appId names the client whose secret must have signed it, even when iss names the signer.
  const signedByIss = await sdkToken(
    other,
    { appId: tenant.credentials.clientId },
    other.credentials.clientSecret,
  );
  assertKore401(await call('/api/public/getSessions', signedByIss), /invalid signature/);
  // An iss naming another tenant's client, signed with this tenant's secret, fails.
  const forged = await sdkToken(other, {}, tenant.credentials.clientSecret);
  assertKore401(await call('/api/public/getSessions', forged), /invalid signature/);
  // An unknown iss, and a present but unusable appId, are refused.
  assertKore401(
    await call('/api/public/getSessions', await sdkToken(tenant, { iss: 'sbc_nobody' })),
    /unknown iss/,
  );
  assertKore401(
    await call('/api/public/getSessions', await sdkToken(tenant, { appId: 42 })),
    /appId claim must be a non-empty string/,
  );
  assertKore401(
    await call(
      '/api/public/getSessions',
      await sign({ sub: BOT, aud: KORE_AUD, iat, exp: iat + 60 }, tenant.credentials.clientSecret),
    ),
    /appId \(or iss\) claim/,
  );
});

test('nbf ahead answers "not yet valid" (not "invalid signature"); exp and jti rules still hold', async () => {
  const url = `/api/public/bot/${BOT}/getMessagesV2`;
  const early = await sdkToken(h.tenant, { nbf: iat + 120 });
  for (const route of [url, `/api/public/bot/${BOT}/getSessions`]) {
    assertKore401(await call(route, early), /^error verifying the jwt: token not yet valid/);
  }
  // Once nbf has passed the same token works, and an nbf ahead under a wrong secret is a bad signature.
  assert.equal((await call(url, await sdkToken(h.tenant, { nbf: iat }))).statusCode, 200);
  assertKore401(
    await call(url, await sdkToken(h.tenant, { nbf: iat + 120 }, 'not-the-secret-not-the-secret')),
    /invalid signature/,
  );
  assertKore401(await call(url, await sdkToken(h.tenant, { exp: iat - 1 })), /token expired/);
  assertKore401(
    await call(url, await sdkToken(h.tenant, { jti: randomUUID(), exp: iat + 7200 })),
    /within one hour/,
  );
  const once = await sdkToken(h.tenant, { jti: randomUUID(), exp: iat + 600 });
  assert.equal((await call(url, once)).statusCode, 200);
  assertKore401(await call(url, once), /possibly a replay/);
  // The same jti under appId and under iss is one client's jti: still a replay.
  const jti = randomUUID();
  assert.equal((await call(url, await sdkToken(h.tenant, { jti, exp: iat + 600 }))).statusCode, 200);
  const again = await sdkToken(h.tenant, { jti, exp: iat + 600, appId: h.tenant.credentials.clientId });
  assertKore401(await call(url, again), /possibly a replay/);
});

test('every Kore call takes the SDK token and refuses a missing or not-yet-valid one', async () => {
  const calls: ['GET' | 'POST', string][] = [
    ['POST', `/api/public/bot/${BOT}/getSessions`],
    ['POST', '/api/public/getSessions'],
    ['GET', `/api/public/bot/${BOT}/getMessages`],
    ['POST', `/api/public/bot/${BOT}/getMessages`],
    ['GET', `/api/public/bot/${BOT}/getMessagesV2`],
    ['POST', `/api/public/bot/${BOT}/getMessagesV2`],
    ['POST', '/api/public/getMessages'],
  ];
  // The list is every Kore operation the app has (its OpenAPI document lists every route).
  const paths = (await h.request({ method: 'GET', url: '/docs/json' })).json().paths as Record<
    string,
    object
  >;
  const operations = Object.entries(paths)
    .filter(([path]) => path.startsWith('/api/public/'))
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => m !== 'head')
        .map((m) => `${m.toUpperCase()} ${path.replace('{botId}', BOT)}`),
    );
  assert.deepEqual(operations.sort(), calls.map(([m, u]) => `${m} ${u}`).sort());
  const early = await sdkToken(h.tenant, { nbf: iat + 60 });
  for (const [method, url] of calls) {
    const ok = await call(url, await sdkToken(h.tenant), method);
    assert.equal(ok.statusCode, 200, `${method} ${url}: ${ok.body}`);
    assert.ok(ok.json().total > 0, `${method} ${url}`);
    assertKore401(await call(url, early, method), /not yet valid/);
    const none = await h.request({ method, url });
    assertKore401(none, /auth header/);
  }
});
