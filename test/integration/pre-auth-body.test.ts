/**
 * Intake authenticates before it reads a body (issue 15): an anonymous client that announces a huge batch
 * and sends it slowly is answered 401 at once, with the body neither waited for nor buffered.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { harness, type Harness } from './harness.js';

let h: Harness;
let port: number;
before(async () => {
  h = await harness();
  await h.app.listen({ port: 0, host: '127.0.0.1' });
  port = (h.app.server.address() as AddressInfo).port;
});
after(() => h.close());

/** Sends the headers of a 60 MB body and 1 KB of it, then waits for the first bytes of the answer. */
function announceHugeBody(path: string, authorization?: string): Promise<{ status: number; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${60 * 1024 * 1024}\r\n` +
          (authorization ? `Authorization: ${authorization}\r\n` : '') +
          '\r\n',
      );
      socket.write('[' + ' '.repeat(1023));
    });
    socket.setTimeout(5000, () => {
      socket.destroy();
      reject(new Error(`no answer within 5 s on ${path}`));
    });
    socket.once('data', (chunk: Buffer) => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1]);
      socket.destroy();
      resolve({ status, ms: Date.now() - started });
    });
    socket.on('error', reject);
  });
}

test('anonymous or wrongly credentialed huge bodies are refused before they are read', async () => {
  for (const path of ['/v1/events', '/v1/intake/mluvii']) {
    for (const authorization of [undefined, 'Bearer sbs_wrong', 'Basic !!!']) {
      const { status } = await announceHugeBody(path, authorization);
      assert.equal(status, 401, `${path} ${authorization ?? 'without credentials'}`);
    }
  }
});
