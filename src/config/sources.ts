/**
 * The `sources:` section of keysnare.yaml: live CloudTrail sources `keysnare serve` polls (S3
 * backfill, SQS of S3 notifications, LookupEvents), each checked against its type's own option
 * schema from the source registry (src/sources/live/index.ts), with the path of any problem.
 */
import { z } from 'zod';
import { liveSourceDefinitions } from '../sources/live/index.js';
import type { LiveSourceDefinition } from '../sources/live/index.js';

const defs = liveSourceDefinitions as readonly LiveSourceDefinition[];

/** A source type's definition. */
export function liveSourceDefinition(type: string): LiveSourceDefinition | undefined {
  return defs.find((d) => d.type === type);
}

const entry = z
  .object({ type: z.string().describe(`one of: ${defs.map((d) => d.type).join(', ')}`) })
  .catchall(z.unknown())
  .superRefine((v, ctx) => {
    const def = liveSourceDefinition(v.type);
    if (!def) {
      ctx.addIssue({
        code: 'custom',
        path: ['type'],
        message: `unknown source type ${JSON.stringify(v.type)}; expected one of: ${defs.map((d) => d.type).join(', ')}`,
      });
      return;
    }
    const { type: _t, ...own } = v;
    const parsed = def.options.safeParse(own);
    if (!parsed.success)
      for (const issue of parsed.error.issues)
        ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

/** The `sources:` section. */
export const sourcesSection = z
  .array(entry)
  .default([])
  .describe('live CloudTrail sources keysnare serve polls (docs/sources.md)')
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((s, i) => {
      const name = s['name'];
      if (typeof name !== 'string') return;
      if (seen.has(name))
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `a second source named ${name}`,
        });
      seen.add(name);
    });
  });
