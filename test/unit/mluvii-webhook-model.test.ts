import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../../src/http/errors.js';
import { bindWebhookModel, maskCallbackUrl, webhookModel } from '../../src/dialects/mluvii/webhook-model.js';

test('callback URL passwords are masked wherever the parser finds one', () => {
  assert.equal(maskCallbackUrl('https://h.example/x'), 'https://h.example/x');
  assert.equal(maskCallbackUrl('https://user@h.example/x'), 'https://user@h.example/x');
  assert.equal(maskCallbackUrl('https://user:@h.example/x'), 'https://user:@h.example/x');
  assert.equal(
    maskCallbackUrl('https://u:secret@h.example:8443/x?q=1#f'),
    'https://u:***@h.example:8443/x?q=1#f',
  );
  // '@' inside the password: the last '@' before the path ends the credentials, as URL parsers read it.
  assert.equal(maskCallbackUrl('https://u:p@ss@h.example/x'), 'https://u:***@h.example/x');
  assert.equal(maskCallbackUrl('https://u:p%40ss@h.example/a@b'), 'https://u:***@h.example/a@b');
  // Spellings the plain pattern misses still never show the password.
  for (const odd of ['https:u:topsecret@h.example/x', 'HTTPS:\\\\u:topsecret@h.example\\x']) {
    const masked = maskCallbackUrl(odd);
    assert.ok(!masked.includes('topsecret'), masked);
    assert.ok(masked.includes('***'), masked);
  }
  assert.equal(
    webhookModel({ id: 1, eventTypes: ['SessionCreated'], callbackUrl: 'http://a:b@c/' }).callbackUrl,
    'http://a:***@c/',
  );
});

test('WebhookAddEditModel binds like ASP.NET: any case of names, enum names or numbers', () => {
  assert.deepEqual(bindWebhookModel({ EventTypes: [3, 5, 4], CallbackUrl: 'https://h/' }), {
    eventTypes: ['SessionStarted', 'SessionForwarded', 'SessionEnded'],
    callbackUrl: 'https://h/',
  });
  assert.deepEqual(
    bindWebhookModel({ eventtypes: ['sessioncreated', '2', 2], CALLBACKURL: 'http://h/', id: 9 }),
    {
      eventTypes: ['SessionCreated'],
      callbackUrl: 'http://h/',
    },
  );
  const errors = (body: unknown) => {
    try {
      bindWebhookModel(body);
    } catch (error) {
      assert.ok(error instanceof AppError);
      return (error.details as { field: string }[]).map((d) => d.field);
    }
    assert.fail('expected a validation error');
  };
  assert.deepEqual(errors({ EventTypes: [0], CallbackUrl: 'https://h/' }), ['eventTypes']);
  assert.deepEqual(errors({ EventTypes: [51, 'x'], CallbackUrl: 'https://h/' }), [
    'eventTypes',
    'eventTypes',
  ]);
  assert.deepEqual(errors({}), ['eventTypes', 'callbackUrl']);
  assert.deepEqual(errors(null), ['$']);
});
