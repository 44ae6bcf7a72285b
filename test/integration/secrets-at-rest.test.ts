/**
 * Secrets at rest (issue 15, item 7): what a copy of the database reveals. The server key lives outside it
 * (environment or a 0600 key file; an old key in `server_keys` is moved out on the embedded store), PostgreSQL
 * refuses to start without one unless told to generate it, Evo cookies are stored as hashes, and the Evo login
 * takes credentials from the body only.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { harness, type Harness } from './harness.js';
import { forgetServerKey, loadKeyring, resolveServerKey, ServerKeyError } from '../../src/security/keys.js';

let h: Harness;
let dir: string;
before(async () => {
  h = await harness();
  dir = mkdtempSync(join(tmpdir(), 'switchboard-keys-'));
});
after(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => forgetServerKey());

const legacyKey = async () =>
  (await h.db.query<{ value: string }>(`SELECT value FROM server_keys WHERE name = 'master'`)).rows[0]?.value;

test('an embedded installation with its key in the database keeps working: the key moves to a 0600 file', async () => {
  const before = await legacyKey();
  assert.ok(before, 'the harness app generated a key in the database (the old default)');
  const sealed = (await loadKeyring(h.db)).seal('a client secret');
  const keyFile = join(dir, 'moved', 'secret.key');
  const found = await resolveServerKey(h.db, { env: undefined, keyFile, store: 'embedded', generate: false });
  assert.equal(found.source, 'file');
  assert.match(found.notice ?? '', /moved out of the database/);
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(readFileSync(keyFile, 'utf8').trim(), before);
  assert.equal(await legacyKey(), undefined, 'nothing of the key is left in the database');
  // What was sealed with the key in the database still opens.
  assert.equal((await loadKeyring(h.db)).unseal(sealed), 'a client secret');
  // A second start reads the file.
  forgetServerKey();
  const again = await resolveServerKey(h.db, { env: undefined, keyFile, store: 'embedded', generate: false });
  assert.deepEqual([again.source, again.notice], ['file', undefined]);
  assert.equal((await loadKeyring(h.db)).unseal(sealed), 'a client secret');
});

test('PostgreSQL without a key refuses to start, unless told to generate one', async () => {
  await h.db.query(`DELETE FROM server_keys`);
  const keyFile = join(dir, 'pg', 'secret.key');
  await assert.rejects(
    resolveServerKey(h.db, { env: undefined, keyFile, store: 'postgres', generate: false }),
    (error: Error) =>
      error instanceof ServerKeyError &&
      /SWITCHBOARD_SECRET_KEY/.test(error.message) &&
      /SWITCHBOARD_SECRET_KEY_GENERATE/.test(error.message),
  );
  assert.ok(!existsSync(keyFile));
  const generated = await resolveServerKey(h.db, {
    env: undefined,
    keyFile,
    store: 'postgres',
    generate: true,
  });
  assert.equal(generated.source, 'file');
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  assert.equal(await legacyKey(), undefined);
});

test('PostgreSQL with an old key in the database keeps working and says how to move it', async () => {
  await h.db.query(`INSERT INTO server_keys (name, value) VALUES ('master', $1) ON CONFLICT DO NOTHING`, [
    Buffer.alloc(32, 7).toString('base64url'),
  ]);
  const found = await resolveServerKey(h.db, {
    env: undefined,
    keyFile: join(dir, 'none', 'secret.key'),
    store: 'postgres',
    generate: false,
  });
  assert.equal(found.source, 'database');
  assert.match(found.notice ?? '', /Secrets at rest/);
});

test('the environment wins; a short key is refused', async () => {
  const keyFile = join(dir, 'env', 'secret.key');
  writeFileSync(join(dir, 'short'), 'x');
  const env = 'an environment key of at least thirty-two characters';
  assert.equal(
    (await resolveServerKey(h.db, { env, keyFile, store: 'postgres', generate: false })).source,
    'environment',
  );
  assert.ok(!existsSync(keyFile));
  await assert.rejects(
    resolveServerKey(h.db, { env: 'short', keyFile, store: 'postgres', generate: false }),
    ServerKeyError,
  );
});

test('Evo cookies are stored as hashes and still work; logout revokes them', async () => {
  const login = await h.request({
    method: 'POST',
    url: '/auth/credentials',
    payload: { userName: h.tenant.credentials.clientId, password: h.tenant.credentials.clientSecret },
  });
  assert.equal(login.statusCode, 200, login.body);
  const id = login.cookies.find((c) => c.name === 'ss-id')!.value;
  const rows = await h.db.query<{ id: string }>('SELECT id FROM evo_auth_sessions');
  const stored = rows.rows.map((r) => r.id);
  assert.ok(!stored.includes(id), 'the cookie itself is not in the database');
  assert.ok(stored.includes(createHash('sha256').update(id).digest('hex')));
  const status = await h.request({ method: 'GET', url: '/auth/status', headers: { cookie: `ss-id=${id}` } });
  assert.equal(status.statusCode, 200, status.body);
  await h.request({ method: 'POST', url: '/auth/logout', headers: { cookie: `ss-id=${id}` } });
  const after = await h.request({ method: 'GET', url: '/auth/status', headers: { cookie: `ss-id=${id}` } });
  assert.equal(after.statusCode, 401);
});

test('the Evo login refuses a password in the query string, whatever the verb', async () => {
  const { clientId, clientSecret } = h.tenant.credentials;
  for (const url of [
    `/auth/credentials?userName=${clientId}&password=${clientSecret}`,
    `/auth?provider=credentials&UserName=${clientId}&Password=${clientSecret}`,
    `/api/Authenticate?userName=${clientId}&password=${clientSecret}`,
  ]) {
    const refused = await h.request({ method: 'POST', url });
    assert.ok(refused.statusCode === 400 || refused.statusCode === 405, `${url}: ${refused.body}`);
    assert.equal(
      typeof refused.json<{ responseStatus: { message: string } }>().responseStatus.message,
      'string',
    );
    assert.ok(!refused.cookies.some((c) => c.name === 'ss-id'), url);
  }
});
