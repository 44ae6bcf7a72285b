/**
 * The OpenAPI document behind /docs: a valid OpenAPI 3 document in which every operation of every dialect
 * can be tried (security, path parameters, bodies, answers), whose examples the server accepts, and whose
 * documentation-only fragments change nothing about what the routes accept.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { Validator } from '@seriousme/openapi-schema-validator';
import { harness, type Harness } from './harness.js';
import { SESSION_STATUSES } from '../../src/domain/session.js';
import { listParameterNames, SESSION_LIST } from '../../src/dialects/mluvii/query.js';
import { ENUMS } from './mluvii-types.js';

type Json = Record<string, unknown>;
interface Parameter {
  in: string;
  name: string;
  example?: unknown;
  schema?: Json;
  style?: string;
  explode?: boolean;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: {
    content: Record<string, { example?: unknown; examples?: Record<string, { value: unknown }> }>;
  };
  responses?: Record<string, unknown>;
  security?: Record<string, string[]>[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];
/** Operations that change something yet take no body, and why. */
const NO_BODY: Record<string, string> = {
  'POST /auth/logout': 'logs out the cookie session',
  'POST /api/v1/Sessions/{id}/anonymize': 'the path names everything',
  'PUT /api/v1/Sessions/{id}/tags/{tagId}': 'the path names everything',
  'POST /api/v1/Webhooks/{id}/deliveries/{deliveryId}/redeliver': 'the path names everything',
  'POST /api/v1/Webhooks/{id}/secret': 'rotates the secret the path names',
  'POST /v1/stream/token': 'trades the credentials for a stream token',
};

let h: Harness;
let spec: { paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Json } };
before(async () => {
  h = await harness();
  const response = await h.request({ method: 'GET', url: '/docs/json' });
  assert.equal(response.statusCode, 200);
  spec = response.json();
});
after(() => h.close());

function operations(): [string, string, Operation][] {
  return Object.entries(spec.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m): [string, string, Operation] => [m.toUpperCase(), path, item[m]]),
  );
}
const operation = (method: string, path: string) => {
  const found = spec.paths[path]?.[method.toLowerCase()];
  assert.ok(found, `${method} ${path} is documented`);
  return found;
};

test('/docs/json is a valid OpenAPI 3 document', async () => {
  const result = await new Validator().validate(spec);
  assert.ok(result.valid, JSON.stringify(result.errors, null, 2));
});

test('every operation answers, declares its security, its path parameters and its body', () => {
  const schemes = new Set(Object.keys(spec.components.securitySchemes));
  const all = operations();
  assert.ok(all.length > 100, `${all.length} operations`);
  for (const [method, path, op] of all) {
    const label = `${method} ${path}`;
    assert.ok(op.responses && Object.keys(op.responses).length > 0, `${label}: responses`);
    assert.ok(Array.isArray(op.security), `${label}: security`);
    for (const requirement of op.security)
      for (const name of Object.keys(requirement)) assert.ok(schemes.has(name), `${label}: scheme ${name}`);
    const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name));
    for (const [, name] of path.matchAll(/\{([^}]+)\}/g))
      assert.ok(declared.has(name), `${label}: path parameter ${name}`);
    if (['POST', 'PUT', 'PATCH'].includes(method) && !(label in NO_BODY))
      assert.ok(op.requestBody, `${label}: requestBody`);
  }
  for (const label of Object.keys(NO_BODY)) {
    const [method, path] = label.split(' ');
    assert.equal(operation(method, path).requestBody, undefined, `${label} is still without a body`);
  }
});

test('public routes need nothing; each dialect names its own schemes', () => {
  for (const [method, path] of [
    ['GET', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/metrics'],
    ['POST', '/login/connect/token'],
    ['POST', '/auth/credentials'],
    ['GET', '/auth'],
    ['POST', '/auth'],
    ['DELETE', '/auth'],
    ['GET', '/auth/logout'],
    ['POST', '/auth/logout'],
    ['POST', '/v1/dashboard/session'],
  ])
    assert.deepEqual(operation(method, path).security, [], `${method} ${path}`);
  const names = (method: string, path: string) => operation(method, path).security!.flatMap(Object.keys);
  assert.deepEqual(names('GET', '/api/v1/Sessions'), ['mluviiOAuth', 'mluviiBearer']);
  assert.deepEqual(operation('GET', '/api/v1/Sessions').security![0], { mluviiOAuth: ['mluviiPublicApi'] });
  assert.deepEqual(names('POST', '/api/public/getSessions'), ['koreAuth']);
  assert.deepEqual(names('GET', '/sessions'), ['evoBasic', 'evoSession']);
  assert.deepEqual(names('POST', '/api/{operation}'), ['evoBasic', 'evoSession']);
  assert.deepEqual(names('GET', '/v1/sessions'), ['bearer', 'basic']);
  assert.deepEqual(names('POST', '/v1/tenants'), ['admin']);
  const oauth = spec.components.securitySchemes.mluviiOAuth as Json;
  assert.deepEqual(oauth.flows, {
    clientCredentials: {
      tokenUrl: '/login/connect/token',
      scopes: { mluviiPublicApi: 'the mluvii Public API' },
    },
  });
  assert.deepEqual(spec.components.securitySchemes.koreAuth, {
    ...(spec.components.securitySchemes.koreAuth as Json),
    type: 'apiKey',
    in: 'header',
    name: 'auth',
  });
  assert.deepEqual(spec.components.securitySchemes.evoSession, {
    ...(spec.components.securitySchemes.evoSession as Json),
    type: 'apiKey',
    in: 'cookie',
    name: 'ss-id',
  });
});

test('enum filters offer every value', () => {
  const param = (name: string) => operation('GET', '/v1/sessions').parameters!.find((p) => p.name === name)!;
  assert.deepEqual(param('status').schema!.enum, [...SESSION_STATUSES]);
  assert.deepEqual(param('channel').schema!.enum, ['chat', 'av', 'phone', 'fax']);
  const evoOperation = operation('GET', '/api/{operation}').parameters!.find((p) => p.name === 'operation')!;
  assert.ok((evoOperation.schema!.enum as string[]).includes('ListSessions'));
  assert.ok(!(evoOperation.schema!.enum as string[]).includes('HoldSession'), 'GET holds nothing');
  const text = JSON.stringify(spec);
  assert.doesNotMatch(
    text,
    /"anyOf":\[\{"type":"string","enum":\["[^"]*"\]\}/,
    'no union of literals is left',
  );
});

/** The query parameters of GET /api/v1/Sessions by name. */
const sessionsParams = () =>
  new Map(
    operation('GET', '/api/v1/Sessions')
      .parameters!.filter((p) => p.in === 'query')
      .map((p) => [p.name, p]),
  );

test('GET /api/v1/Sessions documents exactly the parameters its parser accepts', () => {
  const documented = sessionsParams();
  const accepted = listParameterNames(SESSION_LIST);
  assert.ok(accepted.length > 60, `${accepted.length} names`);
  for (const name of accepted) assert.ok(documented.has(name), `${name} is documented`);
  assert.deepEqual([...documented.keys()].sort(), [...accepted].sort(), 'nothing the parser rejects');
  // mluvii's SessionGetParams (../shared/reference/mluvii-models.md): the sets, and the integer ones' widths.
  const sets: Record<string, string | null> = {
    SessionId: 'int64',
    DepartmentId: 'int32',
    ChannelIdentityId: 'int64',
    Status: null,
    Channel: null,
    Source: null,
    OperatorUserId: 'int32',
    ChatbotId: 'int32',
    Widget: null,
    Result: null,
    ClientStars: 'int32',
    ClientFeedbackScale: null,
    ClientId: 'int64',
    Tags: null,
    GuestIdentifications: null,
    Browser: null,
    OS: null,
    GuestLeftSession: null,
    TerminationReason: null,
  };
  for (const [name, p] of documented) {
    if (!(name in sets)) {
      assert.notEqual(p.schema!.type, 'array', `${name} is a scalar`);
      continue;
    }
    assert.equal(p.schema!.type, 'array', name);
    assert.deepEqual([p.style, p.explode], ['form', true], `${name}: repeated keys`);
    const items = p.schema!.items as Json;
    const format = sets[name];
    if (format) assert.deepEqual(items, { type: 'integer', format }, name);
    else assert.equal(items.type, 'string', name);
  }
  for (const range of [
    'Created',
    'GuestJoined',
    'Accepted',
    'Ended',
    'Anonymized',
    'WaitingTime',
    'Duration',
  ])
    for (const suffix of ['Min', 'Max', 'Null']) assert.ok(documented.has(`${range}.${suffix}`), range);
  assert.equal(documented.get('Created.Null')!.schema!.type, 'boolean');
  assert.deepEqual(documented.get('limit')!.schema, {
    type: 'integer',
    minimum: 1,
    maximum: 10000,
    default: 100,
  });
  assert.equal(documented.get('offset')!.schema!.minimum, 0);
});

test("every enum parameter of GET /api/v1/Sessions offers all of mluvii's values", () => {
  const enums: Record<string, readonly string[]> = {
    Status: ENUMS.SessionStatus,
    Channel: ENUMS.SessionChannel,
    Source: ENUMS.SessionSource,
    ClientFeedbackScale: ENUMS.FeedbackScale,
    Browser: ENUMS.GuestBrowserType,
    OS: ENUMS.GuestOSType,
    GuestLeftSession: ENUMS.GuestLeftSessionInState,
    TerminationReason: ENUMS.SessionTerminationReason,
  };
  const withEnum = [...sessionsParams()].filter(([, p]) => (p.schema!.items as Json | undefined)?.enum);
  assert.deepEqual(withEnum.map(([name]) => name).sort(), Object.keys(enums).sort());
  for (const [name, p] of withEnum) assert.deepEqual((p.schema!.items as Json).enum, enums[name], name);
});

test('the documented mluvii examples are requests the API answers', async () => {
  const created = Date.parse('2026-05-05T09:00:00Z');
  const at = (s: number) => new Date(created + s * 1000).toISOString();
  await h.ingest([
    { id: 'docs-1', sessionId: 'docs-s1', type: 'session.created', at: at(0), channel: 'chat' },
    { id: 'docs-2', sessionId: 'docs-s1', type: 'guest.joined', at: at(1) },
  ]);
  const token = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `grant_type=client_credentials&client_id=${h.tenant.credentials.clientId}&client_secret=${h.tenant.credentials.clientSecret}`,
  });
  const headers = { authorization: `Bearer ${token.json().access_token}` };
  // Each example alone, and all at once as Swagger UI prefills them; sets as repeated keys.
  const examples = [...sessionsParams().values()].filter((p) => p.example !== undefined);
  assert.ok(examples.length >= 4, `${examples.length} examples`);
  const entries = (p: Parameter) => [p.example].flat().map((v) => [p.name, String(v)]);
  for (const group of [...examples.map((p) => [p]), examples]) {
    const search = new URLSearchParams(group.flatMap(entries));
    const response = await h.request({ method: 'GET', url: `/api/v1/Sessions?${search}`, headers });
    assert.equal(response.statusCode, 200, `${search}: ${response.body}`);
    if (group.length > 1) {
      const ids = response.json<{ id: number }[]>().map((s) => s.id);
      assert.ok(ids.length > 0, 'together they select a session');
    }
  }
  const id = (
    await h.db.query<{ id: string }>('SELECT id FROM sessions WHERE tenant_id = $1 AND session_id = $2', [
      h.tenant.id,
      'docs-s1',
    ])
  ).rows[0].id;
  const body = (method: string, path: string) =>
    operation(method, path).requestBody!.content['application/json'].example;
  for (const [method, path, status] of [
    ['PUT', '/api/v1/Sessions/{id}/callparams', 204],
    ['POST', '/api/v1/Sessions/{id}/forward', 204],
    ['DELETE', '/api/v1/Sessions/{id}/files', 200],
    ['POST', '/api/v1/Tags', 201],
  ] as const) {
    const example = body(method, path);
    assert.ok(example, `${method} ${path}: an example body`);
    const response = await h.request({
      method,
      url: path.replace('{id}', id),
      headers,
      payload: example,
    });
    assert.equal(response.statusCode, status, `${method} ${path}: ${response.body}`);
    assert.ok(operation(method, path).responses![String(status)], `${method} ${path}: ${status} documented`);
  }
});

test('every mluvii session route documents typed path ids and its problems', () => {
  for (const [method, path, op] of operations()) {
    if (!path.startsWith('/api/v1/Sessions') && path !== '/api/v1/Tags') continue;
    const label = `${method} ${path}`;
    for (const p of (op.parameters ?? []).filter((q) => q.in === 'path' && q.name !== 'fileId'))
      assert.equal(p.schema!.type, 'integer', `${label}: ${p.name}`);
    for (const status of ['401', '403'])
      assert.ok(
        (op.responses![status] as { content?: Json } | undefined)?.content?.['application/problem+json'],
        `${label}: ${status} as a problem`,
      );
    assert.ok(
      !(op.responses!['200'] as Json | undefined)?.description?.toString().startsWith('Default'),
      label,
    );
  }
});

test('the documented event batch is accepted', async () => {
  const body = operation('POST', '/v1/events').requestBody!.content['application/json'];
  assert.ok(Array.isArray(body.example) && body.example.length > 1);
  const response = await h.request({
    method: 'POST',
    url: '/v1/events',
    headers: h.auth(),
    payload: body.example as Json[],
  });
  assert.equal(response.statusCode, 200, response.body);
  assert.deepEqual(response.json(), { accepted: body.example.length, duplicates: 0 });
});

test('the documented token form, with real credentials, gives a token the mluvii API takes', async () => {
  const form = operation('POST', '/login/connect/token').requestBody!.content[
    'application/x-www-form-urlencoded'
  ];
  const { clientId, clientSecret } = h.tenant.credentials;
  const fields = {
    ...(form.example as Record<string, string>),
    client_id: clientId,
    client_secret: clientSecret,
  };
  const response = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams(fields).toString(),
  });
  assert.equal(response.statusCode, 200, response.body);
  const token = response.json<{ access_token: string; token_type: string }>();
  assert.equal(token.token_type, 'Bearer');
  const sessions = await h.request({
    method: 'GET',
    url: '/api/v1/Sessions',
    headers: { authorization: `Bearer ${token.access_token}` },
  });
  assert.equal(sessions.statusCode, 200, sessions.body);
});

test("Swagger UI's client-credentials request (client id and secret as Basic, the scope) gets a token", async () => {
  const { clientId, clientSecret } = h.tenant.credentials;
  const response = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    payload: 'grant_type=client_credentials&scope=mluviiPublicApi',
  });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().scope, 'mluviiPublicApi');
});

test('the documented mluvii intake payloads and file upload are accepted', async () => {
  const body = operation('POST', '/v1/intake/mluvii').requestBody!.content['application/json'];
  const response = await h.request({
    method: 'POST',
    url: '/v1/intake/mluvii',
    headers: h.auth(),
    payload: body.example as Json[],
  });
  assert.equal(response.statusCode, 200, response.body);
  assert.ok(response.json().accepted > 0, response.body);
  const upload = operation('PUT', '/v1/sessions/{sessionId}/files/{fileId}').requestBody!.content;
  assert.deepEqual(Object.keys(upload), ['application/octet-stream']);
});

const koreToken = () =>
  new SignJWT({ appId: h.tenant.credentials.clientId })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(h.tenant.credentials.clientSecret));

test('every documented Kore body is a request Kore answers', async () => {
  const auth = await koreToken();
  for (const [method, path] of [
    ['POST', '/api/public/getSessions'],
    ['POST', '/api/public/bot/{botId}/getSessions'],
    ['POST', '/api/public/bot/{botId}/getMessagesV2'],
    ['POST', '/api/public/getMessages'],
  ]) {
    const op = operation(method, path);
    const botId = op.parameters?.find((p) => p.name === 'botId')?.example;
    const url = path.replace('{botId}', String(botId));
    const examples = Object.entries(op.requestBody!.content['application/json'].examples!);
    assert.ok(examples.length > 0, path);
    for (const [name, { value }] of examples) {
      const response = await h.request({ method, url, headers: { auth }, payload: value as Json });
      assert.equal(response.statusCode, 200, `${path} ${name}: ${response.body}`);
      assert.equal(typeof response.json().total, 'number');
    }
  }
  // GET with the documented query examples.
  const get = operation('GET', '/api/public/bot/{botId}/getMessages');
  const query = new URLSearchParams(
    get
      .parameters!.filter((p) => p.in === 'query' && p.example !== undefined)
      .map((p) => [p.name, String(p.example)]),
  );
  const botId = get.parameters!.find((p) => p.name === 'botId')!.example;
  const response = await h.request({
    method: 'GET',
    url: `/api/public/bot/${String(botId)}/getMessages?${query}`,
    headers: { auth },
  });
  assert.equal(response.statusCode, 200, response.body);
});

test('the documented Evo login and list work', async () => {
  const login = operation('POST', '/auth/credentials').requestBody!.content['application/json'];
  const response = await h.request({
    method: 'POST',
    url: '/auth/credentials',
    payload: {
      ...(login.example as Json),
      userName: h.tenant.credentials.clientId,
      password: h.tenant.credentials.clientSecret,
    },
  });
  assert.equal(response.statusCode, 200, response.body);
  const cookie = response.cookies.find((c) => c.name === 'ss-id');
  assert.ok(cookie);
  const list = operation('GET', '/sessions');
  const query = new URLSearchParams(
    list.parameters!.filter((p) => p.example !== undefined).map((p) => [p.name, String(p.example)]),
  );
  const sessions = await h.request({
    method: 'GET',
    url: `/sessions?${query}`,
    cookies: { 'ss-id': cookie.value },
  });
  assert.equal(sessions.statusCode, 200, sessions.body);
  assert.equal(typeof sessions.json().hasMorePages, 'boolean');
});

test('documentation validates nothing: each dialect still parses its own input', async () => {
  const kore = await h.request({
    method: 'POST',
    url: '/api/public/getSessions',
    headers: { auth: await koreToken() },
    payload: { limit: 'lots', unknownField: true },
  });
  assert.equal(kore.statusCode, 400, kore.body);
  assert.deepEqual(kore.json(), { errors: [{ msg: 'limit: must be an integer from 1 to 1000', code: 400 }] });
  const basic = `Basic ${Buffer.from(`${h.tenant.credentials.clientId}:${h.tenant.credentials.clientSecret}`).toString('base64')}`;
  // Evo binds names case-insensitively; a documented enum is not enforced by Fastify.
  const evo = await h.request({
    method: 'GET',
    url: '/sessions?COUNTPERPAGE=2&sortorder=ascend',
    headers: { authorization: basic },
  });
  assert.equal(evo.statusCode, 200, evo.body);
  const bad = await h.request({
    method: 'GET',
    url: '/sessions?SortField=Colour',
    headers: { authorization: basic },
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().responseStatus.errors[0].fieldName, 'SortField');
  const token = await h.request({
    method: 'POST',
    url: '/login/connect/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=password',
  });
  assert.equal(token.statusCode, 400);
  assert.equal(token.json().error, 'unsupported_grant_type');
});
