/**
 * The OpenAPI 3.1 description of the HTTP API, made from the route list in routes/api.ts (and the
 * intake and health routes), so the document cannot drift from the server: `npm run docs` writes
 * docs/openapi.json and `npm test` fails when the committed one differs.
 */
import { API_ROUTES } from './routes/api.js';
import type { ApiRoute } from './routes/api.js';

function operation(r: ApiRoute): Record<string, unknown> {
  const op: Record<string, unknown> = {
    summary: r.summary,
    security: [{ bearer: [] }, { session: [] }],
    parameters: (r.params ?? []).map((p) => ({
      name: p.name,
      in: p.in,
      required: p.in === 'path',
      description: p.description,
      schema: { type: p.type ?? 'string', ...(p.enum ? { enum: p.enum } : {}) },
    })),
    responses: {
      '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
      '400': {
        description: 'bad request',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      '401': {
        description: 'no session and no API token',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      },
      '403': { description: 'a session request without its CSRF token' },
      '404': { description: 'no such object' },
    },
  };
  if (r.body)
    op['requestBody'] = {
      required: false,
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: Object.fromEntries(
              Object.entries(r.body).map(([k, v]) => [
                k,
                { type: v.type, description: v.description },
              ]),
            ),
          },
        },
      },
    };
  return op;
}

/** The OpenAPI document. */
export function openApiDocument(version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of API_ROUTES) {
    const path = r.url.replace(/:(\w+)/g, '{$1}');
    (paths[path] ??= {})[r.method.toLowerCase()] = operation(r);
  }
  paths['/healthz'] = {
    get: {
      summary: 'Liveness (no authentication)',
      security: [],
      responses: { '200': { description: 'OK' } },
    },
  };
  paths['/api/v1/intake/eventbridge'] = {
    post: {
      summary:
        'EventBridge "AWS API Call via CloudTrail" events (one or a list), from an API destination',
      security: [{ intakeSecret: [] }],
      requestBody: {
        required: true,
        content: { 'application/json': { schema: { type: ['object', 'array'] } } },
      },
      responses: {
        '202': { description: 'stored: {accepted, skipped}' },
        '400': { description: 'no CloudTrail record in the body' },
        '401': { description: 'wrong or missing X-Keysnare-Secret (nothing is stored)' },
        '404': { description: 'the intake is off (no server.intakeSecret)' },
      },
    },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Keysnare API', version, description: 'docs/server.md' },
    servers: [{ url: 'http://127.0.0.1:8080' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'keysnare api-token create NAME' },
        session: {
          type: 'apiKey',
          in: 'cookie',
          name: 'ks_session',
          description: 'dashboard session; state changes also need X-CSRF-Token',
        },
        intakeSecret: { type: 'apiKey', in: 'header', name: 'X-Keysnare-Secret' },
      },
      schemas: {
        Error: {
          type: 'object',
          properties: { error: { type: 'string' }, message: { type: 'string' } },
          required: ['error', 'message'],
        },
      },
    },
    paths,
  };
}
