/**
 * `GET|PUT /v1/settings/service-level`: the caller's tenant's service-level settings, a default and one per
 * queue, versioned (docs/metrics.md#service-level-settings; src/analytics/sl-settings.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AppDeps } from '../app.js';
import { commonErrors, tenantSecurity } from '../http/errors.js';
import { DEFAULT_SL } from './contribution.js';
import { addSlVersion, slVersions, TENANT_DEFAULT, type SlVersion } from './sl-settings.js';

const Settings = {
  thresholdSeconds: Type.Integer({ minimum: 1, maximum: 3600, description: 'answered within this counts' }),
  shortAbandonSeconds: Type.Integer({ minimum: 0, maximum: 3600, description: 'abandons sooner are short' }),
  abandonsCount: Type.Boolean({ description: 'abandons beyond the cutoff count in the denominator' }),
  goal: Type.Number({ minimum: 0, maximum: 1, description: 'the service level aimed at, 0–1' }),
};
const Version = Type.Object({
  queueId: Type.Union([Type.Integer(), Type.Null()], { description: 'null: the tenant default' }),
  validFrom: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'null: the built-in defaults, in effect since always',
  }),
  ...Settings,
});
const Change = Type.Object(
  {
    queueId: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 2147483647, description: 'absent: the default' }),
    ),
    validFrom: Type.Optional(
      Type.String({ format: 'date-time', description: 'default now; moved up to the next 15-minute bucket' }),
    ),
    ...Settings,
  },
  {
    additionalProperties: false,
    examples: [{ queueId: 1, thresholdSeconds: 30, shortAbandonSeconds: 5, abandonsCount: true, goal: 0.8 }],
  },
);

const view = (v: SlVersion | null, queueId: number | null) => ({
  queueId,
  validFrom: v ? new Date(v.validFrom).toISOString() : null,
  thresholdSeconds: (v ?? DEFAULT_SL).thresholdMs / 1000,
  shortAbandonSeconds: (v ?? DEFAULT_SL).shortAbandonMs / 1000,
  abandonsCount: (v ?? DEFAULT_SL).abandonsCount,
  goal: (v ?? DEFAULT_SL).goal,
});

export function slRoutes(fastify: FastifyInstance, deps: AppDeps): void {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const onRequest = async (request: FastifyRequest) => {
    await deps.authenticate(request);
  };
  const tags = ['analytics'];

  app.get(
    '/v1/settings/service-level',
    {
      schema: {
        tags,
        summary: 'Service-level settings now (default and per queue) and every version',
        security: tenantSecurity,
        response: {
          200: Type.Object({
            current: Type.Object({ default: Version, queues: Type.Array(Version) }),
            versions: Type.Array(Version),
          }),
          ...commonErrors,
        },
      },
      onRequest,
    },
    async (request) => {
      const versions = await slVersions(deps.db, request.principal!.tenant.id);
      const now = deps.now();
      const latest = (queueId: number) =>
        versions.filter((v) => v.queueId === queueId && v.validFrom <= now).at(-1) ?? null;
      const queues = [...new Set(versions.map((v) => v.queueId).filter((q) => q !== TENANT_DEFAULT))];
      return {
        current: {
          default: view(latest(TENANT_DEFAULT), null),
          queues: queues.flatMap((q) => (latest(q) ? [view(latest(q), q)] : [])),
        },
        versions: versions.map((v) => view(v, v.queueId === TENANT_DEFAULT ? null : v.queueId)),
      };
    },
  );

  app.put(
    '/v1/settings/service-level',
    {
      schema: {
        tags,
        summary:
          'Add a version of the default or of a queue, from the next 15-minute bucket (or a later start)',
        description:
          'A past interval keeps the settings it was counted with; a start in the past is a 400. The same queue and start again replaces that version.',
        security: tenantSecurity,
        body: Change,
        response: { 200: Version, ...commonErrors },
      },
      onRequest,
    },
    async (request) => {
      const body = request.body;
      const queueId = body.queueId ?? TENANT_DEFAULT;
      const version = await addSlVersion(
        deps.db,
        request.principal!.tenant.id,
        {
          queueId,
          validFrom: body.validFrom === undefined ? undefined : Date.parse(body.validFrom),
          thresholdMs: body.thresholdSeconds * 1000,
          shortAbandonMs: body.shortAbandonSeconds * 1000,
          abandonsCount: body.abandonsCount,
          goal: body.goal,
        },
        deps.now(),
      );
      return view(version, body.queueId ?? null);
    },
  );
}
