/** A Server-Sent Events client over a real socket for tests: events as they arrive, parsed per the SSE format. */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  id?: string;
  event: string;
  data: any;
}

export function sseConnect(port: number, path: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const waiters: (() => void)[] = [];
  let response: IncomingMessage | null = null;
  let buffer = '';
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers }, (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { event: 'message', data: '' };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'event') event.event = value;
            else if (field === 'id') event.id = value;
            else if (field === 'data') data.push(value);
          }
          if (data.length === 0) continue;
          event.data = JSON.parse(data.join('\n'));
          events.push(event);
          waiters.splice(0).forEach((w) => w());
        }
      });
      resolve(res);
    });
    req.on('error', reject);
    req.end();
  });
  return {
    opened,
    events,
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
