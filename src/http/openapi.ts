/**
 * The OpenAPI document behind `/docs`: every dialect's security scheme, the getting-started text, and the
 * two @fastify/swagger hooks that make every route tryable from Swagger UI.
 *
 * Kore, Evo and mluvii's token endpoint parse their own requests (their own errors, Evo's case-insensitive
 * binding from query and body), so their parameters and bodies cannot go into the route's `schema`: Fastify
 * would validate them. They go into the route's `config.openapi` instead, which Fastify never reads, and
 * `openapiTransform` / `openapiTransformObject` copy them into the document.
 */
import type { RouteOptions } from 'fastify';
import type { Access } from './access.js';
import { tenantSecurity } from './errors.js';

/** A fragment of an OpenAPI 3.0 document, written as plain JSON. */
export type Json = Record<string, unknown>;

/** Documentation of a route the dialect parses itself; none of it is validated by Fastify. */
export interface OperationDocs {
  description?: string;
  /** Parameter Objects; a path parameter replaces the one generated from the URL (same `in` and `name`). */
  parameters?: Json[];
  requestBody?: Json;
  /** Response Objects by status, over those generated from the route's response schemas. */
  responses?: Record<string, Json>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Documentation only (see src/http/openapi.ts); per method for routes that answer several. */
    openapi?: OperationDocs | ((method: string) => OperationDocs);
  }
}

/** Where the per-method fragments travel from `openapiTransform` to `openapiTransformObject`. */
const DOCS_KEY = 'x-switchboard-docs';

export const SECURITY_SCHEMES = {
  bearer: { type: 'http', scheme: 'bearer', description: 'Native API: the client secret' },
  basic: { type: 'http', scheme: 'basic', description: 'Native API: clientId:clientSecret' },
  admin: { type: 'http', scheme: 'bearer', description: 'SWITCHBOARD_ADMIN_TOKEN' },
  dashboardSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'switchboard_session',
    description:
      "The dashboard's sign-in cookie (POST /v1/dashboard/session); the browser sends it by itself once signed in.",
  },
  mluviiOAuth: {
    type: 'oauth2',
    description: 'mluvii Public API: client id and client secret; Swagger UI fetches the token itself.',
    flows: {
      clientCredentials: {
        tokenUrl: '/login/connect/token',
        scopes: { mluviiPublicApi: 'the mluvii Public API' },
      },
    },
  },
  mluviiBearer: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'mluvii Public API: the access_token from POST /login/connect/token',
  },
  koreAuth: {
    type: 'apiKey',
    in: 'header',
    name: 'auth',
    description:
      'Kore.ai: a JWT signed HS256 with the client secret, claim appId = clientId. `npx switchboard token kore --client-id … --client-secret …` makes one.',
  },
  evoBasic: { type: 'http', scheme: 'basic', description: 'Evo Voice: clientId:clientSecret' },
  evoSession: {
    type: 'apiKey',
    in: 'cookie',
    name: 'ss-id',
    description:
      'Evo Voice: the session cookie of POST /auth/credentials; the browser sends it by itself after that call.',
  },
} as const;

/** Alternative requirements, each naming schemes of `SECURITY_SCHEMES` (the OpenAPI test checks the names). */
type Security = { [scheme: string]: string[] }[];

export const SECURITY: Record<'mluvii' | 'kore' | 'evo' | 'dashboard', Security> = {
  mluvii: [{ mluviiOAuth: ['mluviiPublicApi'] }, { mluviiBearer: [] }],
  kore: [{ koreAuth: [] }],
  evo: [{ evoBasic: [] }, { evoSession: [] }],
  dashboard: [{ dashboardSession: [] }, ...tenantSecurity],
};

export const GETTING_STARTED = `Contact-center session engine: the native API and the mluvii, Kore.ai and Evo Voice dialects, every one tryable here.

**Credentials.** \`npm start\` runs a demo tenant and prints its clientId and clientSecret; on a server, \`npx switchboard tenant create <name>\` makes a tenant with a client. Then press **Authorize** and fill the scheme of the dialect you want to try:

| dialect | routes | scheme |
| --- | --- | --- |
| native | \`/v1/…\` | \`bearer\` (the client secret) or \`basic\` (clientId:clientSecret) |
| mluvii | \`/api/v1/…\` | \`mluviiOAuth\` (client id and secret; the token is fetched for you) or \`mluviiBearer\` (a token from \`POST /login/connect/token\`) |
| Kore.ai | \`/api/public/…\` | \`koreAuth\`: a JWT from \`npx switchboard token kore --client-id … --client-secret …\` |
| Evo Voice | \`/sessions…\`, \`/auth…\`, \`/calls…\`, \`/api/{operation}\`, \`/{format}/reply/{operation}\` | \`evoBasic\` (clientId:clientSecret), or call \`POST /auth/credentials\` and the browser keeps the \`ss-id\` cookie |
| administration | \`/v1/tenants\` | \`admin\` (SWITCHBOARD_ADMIN_TOKEN) |

Routes without a lock need no credentials. Each dialect answers errors in its own documented shape.`;

/** The security of a route that does not declare its own: none when public, else its dialect's schemes. */
export function securityOf(url: string, access: Access | undefined): Security {
  if (access === 'public') return [];
  if (access === 'operator') return [{ admin: [] }];
  const path = url.toLowerCase();
  if (path.startsWith('/api/public/')) return SECURITY.kore;
  if (path.startsWith('/api/v1/')) return SECURITY.mluvii;
  if (path.startsWith('/v1/dashboard/')) return SECURITY.dashboard;
  if (path.startsWith('/v1/')) return tenantSecurity;
  // What is left is Evo's surface: its custom routes and ServiceStack's predefined ones.
  return SECURITY.evo;
}

/** @fastify/swagger's `transform`: a route's security, and its documentation-only fragments. */
export function openapiTransform({
  schema,
  url,
  route,
}: {
  schema: unknown;
  url: string;
  route: RouteOptions;
}): { schema: Json; url: string } {
  const given = (schema ?? {}) as Json;
  if (given.hide) return { schema: given, url };
  const out: Json = { ...given };
  out.security ??= securityOf(url, route.config?.access);
  const docs = route.config?.openapi;
  if (docs) {
    const methods = [route.method].flat();
    out[DOCS_KEY] = Object.fromEntries(
      methods.map((m) => [m.toLowerCase(), typeof docs === 'function' ? docs(m) : docs]),
    );
  }
  return { schema: out, url };
}

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/**
 * @fastify/swagger's `transformObject`: each method of a path gets its own fragment (a route answering GET
 * and POST shares one generated operation), and unions of literals become enums.
 */
export function openapiTransformObject(document: { openapiObject?: unknown; swaggerObject?: unknown }): Json {
  const openapi = (document.openapiObject ?? document.swaggerObject) as Json;
  for (const item of Object.values(openapi.paths as Record<string, Json>)) {
    for (const method of OPERATION_METHODS) {
      const generated = item[method] as Json | undefined;
      if (!generated) continue;
      const { [DOCS_KEY]: fragments, ...operation } = generated;
      const docs = (fragments as Record<string, OperationDocs> | undefined)?.[method];
      item[method] = docs ? withDocs(operation, docs) : operation;
    }
  }
  return enumsFromLiterals(openapi) as Json;
}

function withDocs(operation: Json, docs: OperationDocs): Json {
  const out: Json = { ...operation };
  if (docs.description) out.description = docs.description;
  if (docs.parameters) {
    const key = (p: Json) => `${String(p.in)} ${String(p.name)}`;
    const replaced = new Set(docs.parameters.map(key));
    const kept = ((operation.parameters as Json[] | undefined) ?? []).filter((p) => !replaced.has(key(p)));
    out.parameters = [...kept, ...docs.parameters];
  }
  if (docs.requestBody) out.requestBody = docs.requestBody;
  if (docs.responses) {
    const generated = { ...(operation.responses as Record<string, Json>) };
    // The placeholder @fastify/swagger writes for a route without response schemas.
    if (generated['200']?.description === 'Default Response' && !generated['200'].content)
      delete generated['200'];
    out.responses = { ...generated, ...docs.responses };
  }
  return out;
}

/**
 * TypeBox writes a set of names as a union of literals (`anyOf: [{ enum: ['a'] }, { enum: ['b'] }]` once
 * @fastify/swagger has turned `const` into `enum`); Swagger UI's dropdown then offers only the first member.
 * The same set as one `enum` offers every value and accepts exactly the same values.
 */
function enumsFromLiterals(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(enumsFromLiterals);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) out[key] = enumsFromLiterals(value);
  const members = out.anyOf;
  if (Array.isArray(members) && members.length > 0 && members.every(isStringLiteral)) {
    delete out.anyOf;
    out.type = 'string';
    out.enum = members.map((m: Json) => (m.enum as string[])[0]);
  }
  return out;
}

function isStringLiteral(schema: unknown): schema is Json {
  if (schema === null || typeof schema !== 'object') return false;
  const { type, enum: values, ...rest } = schema as Json;
  return (
    Object.keys(rest).length === 0 &&
    (type === undefined || type === 'string') &&
    Array.isArray(values) &&
    values.length === 1 &&
    typeof values[0] === 'string'
  );
}

/** A query parameter. */
export const query = (name: string, schema: Json, description?: string, example?: unknown): Json => ({
  in: 'query',
  name,
  schema,
  ...(description ? { description } : {}),
  ...(example !== undefined ? { example } : {}),
});

/** A path parameter. */
export const pathParam = (name: string, schema: Json, example?: unknown): Json => ({
  in: 'path',
  name,
  required: true,
  schema,
  ...(example !== undefined ? { example } : {}),
});

/** A JSON response with a description. */
export const jsonResponse = (description: string, schema: Json, example?: unknown): Json => ({
  description,
  content: { 'application/json': { schema, ...(example !== undefined ? { example } : {}) } },
});
