/**
 * The `alerts:` section of keysnare.yaml: sinks (each checked against its type's own option
 * schema, from the sink registry), routes, quiet rules for sanctioned scanners, and the outbox's
 * pacing. A bad sink fails the config load with the path of the problem
 * (`alerts.sinks.slack-sec.webhookUrl: …`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import { sinkDefinitions } from '../alert/sinks/index.js';
import type { SinkDefinition } from '../alert/sink.js';
import { SEVERITIES } from '../core/index.js';
import type { AlertKind } from '../core/index.js';

const KINDS: readonly AlertKind[] = [
  'opened',
  'updated',
  'acknowledged',
  'resolved',
  'false-positive',
  'reopened',
  'test',
];

/** Options every sink takes, whatever its type. */
export const commonSinkOptions = {
  allowPrivateTargets: z
    .boolean()
    .default(false)
    .describe('allow loopback, link-local and metadata addresses (never for production URLs)'),
  ratePerMinute: z
    .number()
    .positive()
    .max(6000)
    .optional()
    .describe('alerts per minute (default 60)'),
  timeoutMs: z.number().int().min(100).max(120_000).default(15_000),
};

const SINK_NAME = /^[A-Za-z0-9][\w.-]{0,63}$/;
const COMMON_KEYS = new Set(['type', ...Object.keys(commonSinkOptions)]);

/** A sink's registered definition by type. */
export function sinkDefinition(type: string): SinkDefinition | undefined {
  return (sinkDefinitions as readonly SinkDefinition[]).find((d) => d.type === type);
}

/** The options of a sink entry that belong to its type (the common ones taken out). */
export function ownOptions(entry: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(entry).filter(([k]) => !COMMON_KEYS.has(k)));
}

const types = (sinkDefinitions as readonly SinkDefinition[]).map((d) => d.type);

const sinkEntry = z
  .object({
    type: z.string().describe(`one of: ${types.join(', ')}`),
    ...commonSinkOptions,
  })
  .catchall(z.unknown())
  .superRefine((v, ctx) => {
    const def = sinkDefinition(v.type);
    if (!def) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown sink type ${JSON.stringify(v.type)}; expected one of: ${types.join(', ') || '(none registered)'}`,
      });
      return;
    }
    const parsed = def.options.safeParse(ownOptions(v));
    if (parsed.success) return;
    for (const issue of parsed.error.issues)
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

function isCidr(v: string): boolean {
  const [net, bits, ...rest] = v.split('/');
  if (rest.length || net === undefined) return false;
  const max = isIPv4(net) ? 32 : isIPv6(net) ? 128 : -1;
  if (max < 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= max;
}

const route = z.strictObject({
  sinks: z.array(z.string().regex(SINK_NAME)).min(1),
  minSeverity: z.enum(SEVERITIES as [string, ...string[]]).optional(),
  rules: z.array(z.string().min(1)).optional().describe('rule ids; a trailing * matches a prefix'),
  owners: z.array(z.string().min(1)).optional().describe('canary token owners'),
  labels: z
    .array(z.string().min(1))
    .optional()
    .describe('canary, principal, source, or a token label'),
  kinds: z.array(z.enum(KINDS as [string, ...string[]])).optional(),
});

const quiet = z.strictObject({
  name: z.string().min(1).describe('why these are sanctioned (shown on the incident)'),
  sourceCidrs: z
    .array(z.string().refine(isCidr, 'expected an IP address or CIDR (203.0.113.0/24)'))
    .optional(),
  userAgents: z.array(z.string().min(1)).optional().describe('case-insensitive substrings'),
  principals: z
    .array(z.string().min(1))
    .optional()
    .describe('principal ARNs or key ids; a trailing * matches a prefix'),
  rules: z.array(z.string().min(1)).optional().describe('rule ids; a trailing * matches a prefix'),
});

/** The `alerts:` section. */
export const alertsSection = z
  .strictObject({
    sinks: z
      .record(
        z.string().regex(SINK_NAME, 'expected a sink name (letters, digits, . _ -)'),
        sinkEntry,
      )
      .default({})
      .describe('where alerts go: a name for each, with its type and options'),
    routes: z
      .array(route)
      .default([])
      .describe('which alerts go to which sinks (none: every alert to every sink)'),
    quiet: z
      .array(quiet)
      .default([])
      .describe('sanctioned activity: recorded and grouped, but it does not page'),
    windowHours: z
      .number()
      .positive()
      .max(24 * 30)
      .default(24)
      .describe('incident grouping window'),
    maxAgeHours: z
      .number()
      .positive()
      .max(24 * 14)
      .default(24)
      .describe('dead-letter an alert this old'),
    dashboardUrl: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe('public base URL of the dashboard, for links in alerts'),
  })
  .superRefine((v, ctx) => {
    const names = new Set(Object.keys(v.sinks));
    v.routes.forEach((r, i) =>
      r.sinks.forEach((s, j) => {
        if (!names.has(s))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'sinks', j],
            message: `no sink named ${s} in alerts.sinks`,
          });
      }),
    );
  })
  .prefault({});

/** The parsed `alerts:` section. */
export type AlertsConfig = z.output<typeof alertsSection>;

/**
 * `alerts.sinks.<name>` for editors: one alternative per sink type, its own options beside the
 * common ones (the zod schema checks each type's options in a refinement, which JSON Schema
 * cannot show).
 */
export function sinkEntriesJsonSchema(): object {
  const common = z.toJSONSchema(z.object(commonSinkOptions), { io: 'input' }) as {
    properties: Record<string, unknown>;
  };
  return {
    oneOf: (sinkDefinitions as readonly SinkDefinition[]).map((d) => {
      const own = z.toJSONSchema(d.options, { io: 'input', unrepresentable: 'any' }) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      return {
        type: 'object',
        title: d.title,
        properties: { type: { const: d.type }, ...common.properties, ...own.properties },
        required: ['type', ...(own.required ?? [])],
        additionalProperties: false,
      };
    }),
  };
}
