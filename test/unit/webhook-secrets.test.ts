import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyring, type Keyring } from '../../src/security/keys.js';
import {
  isSealed,
  openCallbackUrl,
  openSecret,
  storeCallback,
  type StoredWebhookSecrets,
} from '../../src/webhooks/secrets.js';

const open = (ring: Keyring, stored: StoredWebhookSecrets) => ({
  callbackUrl: openCallbackUrl(ring, stored),
  secret: openSecret(ring, stored),
});

const keys = keyring(Buffer.alloc(32, 1));
const otherKeys = keyring(Buffer.alloc(32, 2));

test('a callback URL with a password is stored masked, sealed whole, and keyed by its whole text', () => {
  const url = 'https://hook%20user:p%40ss@h.example/in?x=1';
  const stored = storeCallback(keys, url);
  assert.equal(stored.callbackUrl, 'https://hook%20user:***@h.example/in?x=1');
  assert.ok(stored.callbackSealed && isSealed(stored.callbackSealed));
  assert.ok(!stored.callbackSealed.includes('p%40ss') && !stored.callbackKey.includes('p%40ss'));
  assert.deepEqual(open(keys, { ...stored, secret: keys.seal('whsec_a') }), {
    callbackUrl: url,
    secret: 'whsec_a',
  });
  // The same URL, the same key; another password (or another server key), another key.
  assert.equal(storeCallback(keys, url).callbackKey, stored.callbackKey);
  assert.notEqual(storeCallback(keys, url.replace('p%40ss', 'other')).callbackKey, stored.callbackKey);
  assert.notEqual(storeCallback(otherKeys, url).callbackKey, stored.callbackKey);
  // A password that reads like the mask is still a password.
  assert.ok(storeCallback(keys, 'https://u:***@h.example/').callbackSealed);
});

test('a callback URL without a password is stored as given; unsealed rows from before 027 read as given', () => {
  for (const url of ['https://h.example/in', 'https://user@h.example/in']) {
    const stored = storeCallback(keys, url);
    assert.deepEqual([stored.callbackUrl, stored.callbackSealed], [url, null]);
  }
  const plain = { callbackUrl: 'https://u:pw@h.example/', callbackSealed: null, secret: 'whsec_plain' };
  assert.deepEqual(open(keys, plain), { callbackUrl: plain.callbackUrl, secret: 'whsec_plain' });
  assert.ok(!isSealed('whsec_' + 'A-_z09'.repeat(6)), 'a generated secret is never taken for a sealed one');
});

test('a value sealed under another server key fails with a message that names no secret', () => {
  const stored = {
    ...storeCallback(otherKeys, 'https://u:pw@h.example/'),
    secret: otherKeys.seal('whsec_x'),
  };
  assert.throws(
    () => open(keys, stored),
    (error: Error) =>
      /cannot be unsealed with this server's key/.test(error.message) && !/pw/.test(error.message),
  );
});
