/** Which webhook targets are refused, and how the operator's allow list is read. Pure: nothing connects. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedKind, targetPolicy, TargetPolicyError, urlRefusal } from '../../src/webhooks/targets.js';
import { ConfigError, parseServerConfig } from '../../src/config.js';

const none = targetPolicy(undefined);

test('non-public addresses are refused by kind, public ones pass', () => {
  const refused: [string, string][] = [
    ['127.0.0.1', 'loopback'],
    ['127.10.20.30', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['192.168.1.1', 'private'],
    ['::ffff:10.1.2.3', 'private'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456:789a::1', 'unique-local'],
    ['100.64.0.1', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
  ];
  for (const [address, kind] of refused) {
    const found = refusedKind(none, address);
    assert.ok(found?.includes(kind), `${address}: ${found}`);
  }
  for (const address of [
    '8.8.8.8',
    '172.32.0.1',
    '192.169.0.1',
    '1.1.1.1',
    '2606:4700::1111',
    '64:ff9b::808:808',
  ])
    assert.equal(refusedKind(none, address), null, address);
});

test('the allow list admits the hosts, addresses and ranges it names, and only those', () => {
  const policy = targetPolicy(' 127.0.0.1, 10.0.0.0/8 ,fc00::/7,[::1],169.254.169.254,Hooks.Internal., ');
  for (const address of ['127.0.0.1', '10.255.0.3', 'fd00::1', '::1', '169.254.169.254', '::ffff:10.0.0.1'])
    assert.equal(refusedKind(policy, address), null, address);
  for (const address of ['127.0.0.2', '192.168.0.1', '169.254.0.1', 'fe80::1'])
    assert.ok(refusedKind(policy, address), address);
  assert.ok(policy.hosts.has('hooks.internal'));
  assert.equal(urlRefusal(policy, new URL('http://HOOKS.internal:8080/x')), null);

  for (const bad of [
    '10.0.0.0/33',
    'fc00::/129',
    'nonsense/8',
    '10.0.0.0/',
    'http://x',
    'a b',
    '10.0.0.0/8/1',
  ]) {
    assert.throws(() => targetPolicy(bad), TargetPolicyError, bad);
  }
});

test('URLs: literal addresses in every spelling are refused before any lookup; names are left to it', () => {
  const refused = [
    'http://127.0.0.1:5432/',
    'http://2130706433/', // 127.0.0.1 in decimal
    'http://0x7f.1/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::1]:8080/',
    'http://169.254.169.254/latest/meta-data/',
    'http://0.0.0.0:80/',
    'https://[fd00::1]/',
  ];
  for (const url of refused) {
    const reason = urlRefusal(none, new URL(url));
    assert.match(
      reason ?? '',
      /is an? .*address; an operator may allow it with SWITCHBOARD_WEBHOOK_ALLOW/,
      url,
    );
  }
  assert.match(urlRefusal(none, new URL('ftp://example.com/'))!, /ftp: URLs are not delivered/);
  assert.equal(urlRefusal(none, new URL('https://hooks.example.com/x')), null);
  assert.equal(urlRefusal(none, new URL('https://93.184.216.34/x')), null);
});

test('SWITCHBOARD_WEBHOOK_ALLOW is parsed at start and a bad entry stops it', () => {
  const config = parseServerConfig({}, { SWITCHBOARD_WEBHOOK_ALLOW: '127.0.0.1,10.0.0.0/8' });
  assert.equal(config.webhookAllow, '127.0.0.1,10.0.0.0/8');
  assert.equal(parseServerConfig({}, {}).webhookAllow, '');
  assert.throws(
    () => parseServerConfig({}, { SWITCHBOARD_WEBHOOK_ALLOW: '10.0.0.0/99' }),
    (e: unknown) =>
      e instanceof ConfigError && /SWITCHBOARD_WEBHOOK_ALLOW: '10\.0\.0\.0\/99'/.test(e.message),
  );
});
