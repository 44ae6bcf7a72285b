/** A Server-Sent Events client over a real socket for tests: events as they arrive (eventsource-parser). */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createParser } from 'eventsource-parser';

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

/**
 * `events` holds every event but the `queue` snapshots, which land in `queues` (tests of changes count
 * changes; a snapshot may come at any time).
 */
export function sseConnect(port: number, path: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const queues: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let response: IncomingMessage | null = null;
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      response = res;
      res.setEncoding('utf8');
      const parser = createParser({
        onEvent(message) {
          (message.event === 'queue' ? queues : events).push({
            ...(message.id !== undefined ? { id: message.id } : {}),
            event: message.event ?? 'message',
            data: JSON.parse(message.data),
          });
          waiters.splice(0).forEach((w) => w());
        },
      });
      res.on('data', (chunk: string) => parser.feed(chunk));
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    opened,
    events,
    queues,
    /** Waits until a `queue` snapshot satisfies `test` (fails after 10 s). */
    async queue(test: (data: any) => boolean): Promise<SseEvent> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const found = queues.find((e) => test(e.data));
        if (found) return found;
        assert.ok(Date.now() < deadline, `no such queue snapshot among ${queues.length}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
    },
    /** Waits until `n` events arrived (fails after 10 s). */
    async until(n: number) {
      const deadline = Date.now() + 10_000;
      while (events.length < n) {
        assert.ok(Date.now() < deadline, `only ${events.length} of ${n} events arrived`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 200);
        });
      }
      return events;
    },
    close() {
      response?.destroy();
    },
  };
}
