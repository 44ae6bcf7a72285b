/**
 * The read baseline: Fastify answering `GET /v1/sessions/:id` with fixed bytes, in a process of its own like
 * the real server. Whatever the real server does beyond this (auth, query, mapping, serialising) is its cost.
 */
import Fastify from 'fastify';

process.once('message', (message: { body: string }) => {
  const body = Buffer.from(message.body);
  const app = Fastify();
  app.get('/v1/sessions/:id', (_request, reply) =>
    reply.header('content-type', 'application/json; charset=utf-8').send(body),
  );
  app.listen({ port: 0, host: '127.0.0.1' }).then(
    (url) => process.send!({ url }),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
  process.once('SIGINT', () => void app.close().then(() => process.exit(0)));
});
process.on('disconnect', () => process.exit(0));
