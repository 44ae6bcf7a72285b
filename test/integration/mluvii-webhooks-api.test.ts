/**
 * mluvii's webhook registration as its clients use it: the official C# sample's PascalCase body with
 * numeric enums, the swagger's statuses (201 bare id, 204, 409 bare id), GET one, DELETE all, masked
 * passwords, Switchboard's secret routes, and tenant isolation of every route.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { harness, type Harness } from './harness.js';
import type { CreatedTenant } from '../../src/tenants/repository.js';
import { findWebhook } from '../../src/webhooks/repository.js';
import { openCallbackUrl } from '../../src/webhooks/secrets.js';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.close());

const tokens = new Map<string, string>();
async function bearer(tenant: CreatedTenant = h.tenant) {
  if (!tokens.has(tenant.id)) {
    const response = await h.request({
      method: 'POST',
      url: '/login/connect/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `grant_type=client_credentials&client_id=${tenant.credentials.clientId}&client_secret=${tenant.credentials.clientSecret}`,
    });
    tokens.set(tenant.id, response.json().access_token);
  }
  return { authorization: `Bearer ${tokens.get(tenant.id)}` };
}

async function call(method: string, url: string, payload?: unknown, tenant?: CreatedTenant) {
  return h.request({
    method: method,
    url,
    headers: await bearer(tenant),
    ...(payload !== undefined ? { payload: payload as object } : {}),
  });
}

/** Every name of mluvii's WebhookEventType (mluvii.ApiModels, C# order), written out independently. */
const MLUVII_NAMES = new Set(
  `UserStatusChanged SessionCreated SessionStarted SessionEnded SessionForwarded SessionOperatorJoined
  SessionOperatorLeft SessionOperatorConcluded SessionCallParamsUpdated SessionRecordingPostProcessingCompleted
  EmailThreadCreated EmailThreadOperatorJoined EmailThreadOperatorLeft EmailThreadForwarded GuestIdentityUpdated
  SessionActivityChatMessage SessionActivitySharedFile SessionActivitySharedScreen SessionActivityCobrowsingStarted
  SessionActivityCobrowsingStoppedByGuest SessionActivityScreenSharingFailedByGuest SessionActivityFileUploadFailed
  SessionActivityHeroCard SessionActivityHeroCardSubmission SessionActivityChatbotMessage SessionActivityCallScript
  SessionActivityCallScriptSubmission SessionActivityWelcomeMessage SessionActivityLastFarewellMessage
  SessionActivityPreviewUrl SessionActivityExternalMessage SessionActivityOnHold SessionActivityResumeGuest
  SessionActivityChatToMail SessionActivityAutoActivity SessionActivityAutoActivityAsOperator
  SessionActivityChatbotHeroCardSubmission SessionActivitySessionEnded SessionActivitySessionForwarded
  SessionActivityOperatorInvited SessionActivityOperatorInviteCanceled SessionActivityOperatorInviteRejected
  SessionActivityOperatorKicked SessionActivityAvRequest SessionActivityAvResponse SessionActivityAvMediaResult
  SessionActivityAvTerminated EmailThreadParamsUpdated ApplicationSettingChanged StatRealTime`.split(/\s+/),
);

/** Asserts that a value deserializes into mluvii's WebhookModel: `id int?`, `eventTypes` names, `callbackUrl`. */
function assertWebhookModel(value: any) {
  assert.deepEqual(Object.keys(value).sort(), ['callbackUrl', 'eventTypes', 'id']);
  assert.ok(Number.isInteger(value.id) && value.id > 0 && value.id <= 2_147_483_647, `id ${value.id}`);
  assert.ok(Array.isArray(value.eventTypes) && value.eventTypes.length > 0);
  for (const t of value.eventTypes) assert.ok(MLUVII_NAMES.has(t), `${t} is a WebhookEventType name`);
  assert.equal(typeof value.callbackUrl, 'string');
}

/** A 201 as the swagger declares it: the new id as a bare int32, nothing else. */
function createdId(response: { statusCode: number; body: string; headers: Record<string, unknown> }) {
  assert.equal(response.statusCode, 201, response.body);
  assert.match(String(response.headers['content-type']), /^application\/json/);
  assert.match(response.body, /^\d+$/);
  return Number(response.body);
}

function assertValidation(response: { statusCode: number; json(): any; body: string }, field: string) {
  assert.equal(response.statusCode, 400, response.body);
  const body = response.json();
  assert.equal(body.status, 400);
  assert.equal(body.title, 'One or more validation errors occurred.');
  assert.ok(Array.isArray(body.errors?.[field]), `errors names ${field}: ${response.body}`);
}

test('the official C# sample: PascalCase, numeric enums → 201 with the bare id; names and mixed case too', async () => {
  const sample = await call('POST', '/api/v1/Webhooks', {
    EventTypes: [3, 5, 4],
    CallbackUrl: 'https://hooks.example.com/csharp',
  });
  const id = createdId(sample);
  assert.match(String(sample.headers.location), new RegExp(`^https?://[^/]+/api/v1/Webhooks/${id}$`));
  const one = await call('GET', `/api/v1/Webhooks/${id}`);
  assert.equal(one.statusCode, 200, one.body);
  assertWebhookModel(one.json());
  // 3, 5, 4 are positions in WebhookEventType's C# declaration.
  assert.deepEqual(one.json().eventTypes.sort(), ['SessionEnded', 'SessionForwarded', 'SessionStarted']);
  assert.equal(one.json().callbackUrl, 'https://hooks.example.com/csharp');

  // The same registration written with names in any case, or numbers as strings, is the same webhook: 409.
  for (const EventTypes of [
    ['sessionstarted', 'SESSIONFORWARDED', 'SessionEnded'],
    ['SessionEnded', 3, '5'],
  ]) {
    const again = await call('POST', '/api/v1/webhooks', {
      eventtypes: EventTypes,
      callbackURL: 'https://hooks.example.com/csharp',
    });
    assert.equal(again.statusCode, 409, again.body);
    assert.equal(again.body, String(id));
  }

  const named = await call('POST', '/api/v1/Webhooks', {
    eventTypes: ['SessionCreated', 'sessionoperatorjoined'],
    callbackUrl: 'https://hooks.example.com/named',
  });
  const namedId = createdId(named);
  assert.notEqual(namedId, id);
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${namedId}`)).json().eventTypes.sort(), [
    'SessionCreated',
    'SessionOperatorJoined',
  ]);

  // Numbers reach the far end of the enum as declared in C#.
  const far = await call('POST', '/api/v1/Webhooks', {
    EventTypes: [2, 15, 16, 50],
    CallbackUrl: 'https://hooks.example.com/far',
  });
  const farId = createdId(far);
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${farId}`)).json().eventTypes.sort(), [
    'GuestIdentityUpdated',
    'SessionActivityChatMessage',
    'SessionCreated',
    'StatRealTime',
  ]);

  // A webhook registered with numbers receives the events those numbers name.
  await h.ingest([
    { id: 'wh-n-1', sessionId: 'wh-n', type: 'session.created', at: '2026-03-09T10:00:00Z', channel: 'chat' },
  ]);
  const queued = await h.db.query<{ event_type: string }>(
    'SELECT event_type FROM webhook_deliveries WHERE webhook_id = $1',
    [farId],
  );
  assert.deepEqual(
    queued.rows.map((r) => r.event_type),
    ['SessionCreated'],
  );
  for (const w of [id, namedId, farId])
    assert.equal((await call('DELETE', `/api/v1/Webhooks/${w}`)).statusCode, 204);
});

test('unknown numbers and names, UNKNOWN, wrong types and missing fields → 400 naming the field; nothing stored', async () => {
  const url = 'https://hooks.example.com/bad';
  const cases: [unknown, string][] = [
    [{ EventTypes: [51], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [-1], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [0], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: ['UNKNOWN'], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: ['SessionExploded'], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: ['SessionActivityJoined'], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [3.5], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [true], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [3, 'nope'], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [], CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: 'SessionCreated', CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: null, CallbackUrl: url }, 'eventTypes'],
    [{ CallbackUrl: url }, 'eventTypes'],
    [{ EventTypes: [2] }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: '' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 42 }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 'ftp://example.com/x' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: '/relative' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 'javascript:alert(1)' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: `https://example.com/${'x'.repeat(2000)}` }, 'callbackUrl'],
    [[{ EventTypes: [2], CallbackUrl: url }], '$'],
    // The server's own network: loopback, the cloud metadata address, private ranges (docs/security.md).
    [{ EventTypes: [2], CallbackUrl: 'http://127.0.0.1:9/x' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 'http://169.254.169.254/latest/meta-data' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 'http://[::1]:8080/' }, 'callbackUrl'],
    [{ EventTypes: [2], CallbackUrl: 'http://10.1.2.3/hook' }, 'callbackUrl'],
  ];
  for (const [body, field] of cases) {
    assertValidation(await call('POST', '/api/v1/Webhooks', body), field);
  }
  // Both fields wrong: both named at once, as a ValidationProblemDetails lists them.
  const both = (await call('POST', '/api/v1/Webhooks', { EventTypes: [99], CallbackUrl: 'nope' })).json();
  assert.ok(both.errors.eventTypes && both.errors.callbackUrl, JSON.stringify(both));
  assert.match(both.errors.eventTypes[0], /99/);
  const notJson = await h.request({
    method: 'POST',
    url: '/api/v1/Webhooks',
    headers: { ...(await bearer()), 'content-type': 'application/json' },
    payload: '{"EventTypes": [3,',
  });
  assert.equal(notJson.statusCode, 400);
  assert.deepEqual((await call('GET', '/api/v1/Webhooks')).json(), [], 'nothing was stored');
});

test('GET masks a callback URL password; PUT → 204 and keeps the password when sent back masked', async () => {
  const secretUrl = 'https://hook%20user:p%40ss@receiver.example.com/in?x=1';
  const id = createdId(await call('POST', '/api/v1/Webhooks', { eventTypes: [2], callbackUrl: secretUrl }));
  const masked = 'https://hook%20user:***@receiver.example.com/in?x=1';
  const list = await call('GET', '/api/v1/Webhooks');
  assert.ok(!list.body.includes('p%40ss'), list.body);
  assert.deepEqual(list.json(), [{ id, eventTypes: ['SessionCreated'], callbackUrl: masked }]);
  list.json().forEach(assertWebhookModel);
  const one = await call('GET', `/api/v1/Webhooks/${id}`);
  assert.ok(!one.body.includes('p%40ss'));
  assert.equal(one.json().callbackUrl, masked);

  // The URL deliveries go to: the password is sealed at rest, never in the row's clear columns.
  const stored = async () => {
    const row = await h.db.query('SELECT * FROM webhooks WHERE id = $1', [id]);
    assert.ok(!JSON.stringify(row.rows[0]).includes('p%40ss'), JSON.stringify(row.rows[0]));
    return openCallbackUrl(h.app.switchboard.keys, (await findWebhook(h.db, h.tenant.id, id))!.stored);
  };
  // Read, change the event types, write back: the password stays.
  const put = await call('PUT', `/api/v1/Webhooks/${id}`, {
    ...one.json<object>(),
    eventTypes: [2, 'SessionEnded'],
  });
  assert.equal(put.statusCode, 204, put.body);
  assert.equal(put.body, '');
  assert.equal(await stored(), secretUrl);
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${id}`)).json().eventTypes.sort(), [
    'SessionCreated',
    'SessionEnded',
  ]);
  // A new URL replaces it, PascalCase and numbers as on POST.
  const replaced = await call('PUT', `/api/v1/Webhooks/${id}`, {
    EventTypes: [4],
    CallbackUrl: 'https://other.example.com/in',
  });
  assert.equal(replaced.statusCode, 204, replaced.body);
  assert.equal(await stored(), 'https://other.example.com/in');
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${id}`)).json(), {
    id,
    eventTypes: ['SessionEnded'],
    callbackUrl: 'https://other.example.com/in',
  });

  // A clash with another registration: 409 with that one's id; unknown ids 404; bad bodies 400.
  const otherId = createdId(
    await call('POST', '/api/v1/Webhooks', { eventTypes: [3], callbackUrl: 'https://third.example.com/' }),
  );
  const clash = await call('PUT', `/api/v1/Webhooks/${id}`, {
    eventTypes: ['SessionStarted'],
    callbackUrl: 'https://third.example.com/',
  });
  assert.equal(clash.statusCode, 409);
  assert.equal(clash.body, String(otherId));
  for (const bad of ['99999999', 'abc', '2147483648', '-1']) {
    assert.equal(
      (await call('PUT', `/api/v1/Webhooks/${bad}`, { EventTypes: [2], CallbackUrl: 'https://x.example/' }))
        .statusCode,
      404,
    );
    assert.equal((await call('GET', `/api/v1/Webhooks/${bad}`)).statusCode, 404);
  }
  assertValidation(
    await call('PUT', `/api/v1/Webhooks/${id}`, { EventTypes: [2], CallbackUrl: 'http://localhost:6379/' }),
    'callbackUrl',
  );
  assertValidation(
    await call('PUT', `/api/v1/Webhooks/${id}`, { EventTypes: [77], CallbackUrl: 'https://x.example/' }),
    'eventTypes',
  );
  assert.equal((await call('DELETE', '/api/v1/Webhooks')).statusCode, 204);
});

test('DELETE one → 204 then 404; DELETE all → 204, only the caller’s tenant, also when there are none', async () => {
  const mine = [];
  for (const n of [1, 2, 3]) {
    mine.push(
      createdId(
        await call('POST', '/api/v1/Webhooks', { eventTypes: [n], callbackUrl: `https://a.example/${n}` }),
      ),
    );
  }
  const theirs = createdId(
    await call('POST', '/api/v1/Webhooks', { eventTypes: [2], callbackUrl: 'https://b.example/' }, h.other),
  );
  const one = await call('DELETE', `/api/v1/Webhooks/${mine[0]}`);
  assert.equal(one.statusCode, 204);
  assert.equal(one.body, '');
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${mine[0]}`)).statusCode, 404);
  assert.equal((await call('GET', '/api/v1/Webhooks')).json().length, 2);

  const all = await call('DELETE', '/api/v1/Webhooks');
  assert.equal(all.statusCode, 204);
  assert.equal(all.body, '');
  assert.deepEqual((await call('GET', '/api/v1/Webhooks')).json(), []);
  for (const id of mine) assert.equal((await call('GET', `/api/v1/Webhooks/${id}`)).statusCode, 404);
  assert.deepEqual(
    (await call('GET', '/api/v1/Webhooks', undefined, h.other)).json().map((w: any) => w.id),
    [theirs],
    "the other tenant's webhook survives",
  );
  assert.equal((await call('DELETE', '/api/v1/Webhooks')).statusCode, 204, 'nothing left to delete');
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${theirs}`, undefined, h.other)).statusCode, 204);
});

test('the signing secret: X-Switchboard-Webhook-Secret on 201, GET …/secret, rotation', async () => {
  const created = await call('POST', '/api/v1/Webhooks', {
    eventTypes: [2],
    callbackUrl: 'https://s.example/',
  });
  const id = createdId(created);
  const secret = String(created.headers['x-switchboard-webhook-secret']);
  assert.match(secret, /^whsec_[A-Za-z0-9_-]{32}$/);
  const read = await call('GET', `/api/v1/Webhooks/${id}/secret`);
  assert.equal(read.statusCode, 200);
  assert.deepEqual(read.json(), { secret });
  assert.ok(
    !(await call('GET', `/api/v1/Webhooks/${id}`)).body.includes(secret),
    'WebhookModel stays as it is',
  );
  const rotated = await call('POST', `/api/v1/Webhooks/${id}/secret`);
  assert.equal(rotated.statusCode, 200);
  assert.notEqual(rotated.json().secret, secret);
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${id}/secret`)).json(), rotated.json());
  assert.equal((await call('DELETE', `/api/v1/Webhooks/${id}`)).statusCode, 204);
});

test('tenant isolation and authentication of every webhook route', async () => {
  const id = createdId(
    await call('POST', '/api/v1/Webhooks', { eventTypes: [2], callbackUrl: 'https://t.example/' }),
  );
  const body = { EventTypes: [4], CallbackUrl: 'https://t2.example/' };
  const owned: [string, string, unknown?][] = [
    ['GET', `/api/v1/Webhooks/${id}`],
    ['PUT', `/api/v1/Webhooks/${id}`, body],
    ['DELETE', `/api/v1/Webhooks/${id}`],
    ['GET', `/api/v1/Webhooks/${id}/secret`],
    ['POST', `/api/v1/Webhooks/${id}/secret`],
    ['GET', `/api/v1/Webhooks/${id}/deliveries`],
    ['POST', `/api/v1/Webhooks/${id}/deliveries/x/redeliver`],
  ];
  for (const [method, url, payload] of owned) {
    const foreign = await call(method, url, payload, h.other);
    assert.equal(foreign.statusCode, 404, `${method} ${url} as another tenant: ${foreign.body}`);
    assert.equal(foreign.json().status, 404);
  }
  assert.deepEqual((await call('GET', '/api/v1/Webhooks', undefined, h.other)).json(), []);
  assert.equal((await call('DELETE', '/api/v1/Webhooks', undefined, h.other)).statusCode, 204);
  assert.equal(
    createdId(
      await call('POST', '/api/v1/Webhooks', { eventTypes: [2], callbackUrl: 'https://t.example/' }, h.other),
    ) !== id,
    true,
    'the same registration in another tenant is its own',
  );
  // Nothing the other tenant did touched this one.
  assert.deepEqual((await call('GET', `/api/v1/Webhooks/${id}`)).json(), {
    id,
    eventTypes: ['SessionCreated'],
    callbackUrl: 'https://t.example/',
  });

  const routes: [string, string, unknown?][] = [
    ...owned,
    ['GET', '/api/v1/Webhooks'],
    ['POST', '/api/v1/Webhooks', body],
    ['DELETE', '/api/v1/Webhooks'],
  ];
  for (const [method, url, payload] of routes) {
    for (const authorization of [undefined, h.auth().authorization, 'Bearer nope']) {
      const response = await h.request({
        method: method,
        url,
        headers: authorization ? { authorization } : {},
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });
      assert.equal(response.statusCode, 401, `${method} ${url}: ${response.body}`);
      assert.match(String(response.headers['www-authenticate']), /^Bearer/);
    }
  }
  // An anonymous caller with a bad body learns nothing about the body: 401 before validation.
  const anonymous = await h.request({
    method: 'POST',
    url: '/api/v1/Webhooks',
    payload: { EventTypes: [99] },
  });
  assert.equal(anonymous.statusCode, 401);
  assert.deepEqual((await call('GET', '/api/v1/Webhooks')).json().length, 1, 'no route wrote anything');
  await call('DELETE', '/api/v1/Webhooks');
  await call('DELETE', '/api/v1/Webhooks', undefined, h.other);
});
