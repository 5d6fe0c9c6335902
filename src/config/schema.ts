/**
 * The one schema for `keysnare.yaml`. Every object is strict (an unknown key is an error with its
 * path) and every section is optional with defaults, so `version: 1` alone is a complete config.
 */
import { z } from 'zod';
import { ruleConfigSchema, sharedRuleConfigSchema } from '../detect/rule-config.js';
import { rules as builtInRules } from '../detect/rules/index.js';
import { alertsSection, sinkEntriesJsonSchema } from './alerts.js';
import { ipContextSection, ipContextYaml } from './ip-context.js';
import { serverSection } from './server.js';
import { sourcesSection } from './sources.js';

/** Placeholders a canary user-name template may use. */
export const NAME_TEMPLATE_PLACEHOLDERS = ['team', 'service', 'env', 'repo', 'n'] as const;

/**
 * Words that give a canary away to an attacker who reads the user name (reference/landscape.md §d).
 * Defaults never contain them and user-supplied name templates are rejected when they do.
 */
export const CANARY_TELL_WORDS = [
  'canary',
  'honey',
  'trap',
  'decoy',
  'token',
  'bait',
  'fake',
] as const;

/** Realistic IAM user-name templates: the names service accounts really get. */
export const DEFAULT_NAME_TEMPLATES: readonly string[] = [
  'svc-{service}-{env}',
  'ci-deploy-{repo}',
  '{service}-{env}-sync',
  'terraform-{env}',
  'backup-{service}',
  '{team}-automation-{env}',
  'github-actions-{repo}',
  'etl-{service}-{n}',
];

/** Sample values substituted into a template to check the resulting user name. */
const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  team: 'platform',
  service: 'payments',
  env: 'staging',
  repo: 'infrastructure',
  n: '12',
};

const IAM_USER_NAME = /^[\w+=,.@-]+$/;
const IAM_USER_NAME_MAX = 64;
const PLACEHOLDER = /\{([^{}]*)\}/g;
const IAM_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MANAGEMENT_ARN = /^arn:[a-z-]+:(iam|sts)::\d{12}:\S+$/;
const MIB = 1024 * 1024;
const WORKERS = 'expected "auto" or an integer from 1 to 64';

/**
 * Why a user-name template is unusable, or an empty list when it is fine: tell words, unknown
 * placeholders, and (after substituting sample values) IAM's user-name charset and length.
 *
 * @example
 * nameTemplateProblems('honey-{env}') // ['contains "honey", which gives the canary away']
 */
export function nameTemplateProblems(template: string): string[] {
  const problems: string[] = [];
  const lower = template.toLowerCase();
  for (const word of CANARY_TELL_WORDS) {
    if (lower.includes(word)) problems.push(`contains "${word}", which gives the canary away`);
  }
  const known: readonly string[] = NAME_TEMPLATE_PLACEHOLDERS;
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!known.includes(name)) {
      const expected = NAME_TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
      problems.push(`unknown placeholder {${name}}; expected one of ${expected}`);
    }
  }
  const sample = template.replace(PLACEHOLDER, (_whole, name: string) => SAMPLE_VALUES[name] ?? '');
  if (!IAM_USER_NAME.test(sample)) {
    problems.push('once filled in, must use only letters, digits and + = , . @ _ -');
  } else if (sample.length > IAM_USER_NAME_MAX) {
    problems.push(
      `once filled in ("${sample}"), is longer than IAM's ${IAM_USER_NAME_MAX} characters`,
    );
  }
  return problems;
}

const nameTemplates = z
  .array(z.string().min(1))
  .min(1)
  .default([...DEFAULT_NAME_TEMPLATES])
  .superRefine((templates, ctx) => {
    templates.forEach((template, i) => {
      for (const message of nameTemplateProblems(template)) {
        ctx.addIssue({ code: 'custom', message, path: [i] });
      }
    });
  })
  .describe(`IAM user-name templates; placeholders: {team} {service} {env} {repo} {n}`);

const tagKey = z
  .string()
  .min(1)
  .max(128)
  .regex(IAM_TAG_TEXT, 'IAM tag keys use letters, digits, spaces and _ . : / = + - @')
  .refine((k) => !k.toLowerCase().startsWith('aws:'), 'tag keys may not start with "aws:"');
const tagValue = z
  .string()
  .max(256)
  .regex(IAM_TAG_TEXT, 'IAM tag values use letters, digits, spaces and _ . : / = + - @');

const detect = z
  .strictObject({
    quietGapMinutes: z
      .number()
      .min(1)
      .max(10080)
      .default(60)
      .describe('canary events of one token and source further apart start a new finding'),
    workers: z
      .union([z.literal('auto'), z.number().int(WORKERS).min(1, WORKERS).max(64, WORKERS)], {
        error: WORKERS,
      })
      .default('auto'),
  })
  .prefault({});

const limits = z
  .strictObject({
    maxFileBytes: z
      .number()
      .int()
      .positive()
      .default(512 * MIB)
      .describe('largest CloudTrail file read, after decompression'),
    maxRecordBytes: z.number().int().positive().default(MIB).describe('largest single record'),
    maxInFlightBytes: z
      .number()
      .int()
      .positive()
      .default(2048 * MIB)
      .describe(
        'file bytes held at once across workers: workers are limited to maxInFlightBytes / maxFileBytes (at least 1)',
      ),
  })
  .refine((l) => l.maxRecordBytes <= l.maxFileBytes, {
    message: 'must not be larger than limits.maxFileBytes',
    path: ['maxRecordBytes'],
  })
  .prefault({});

const tokens = z
  .strictObject({
    files: z
      .array(z.string().min(1))
      .default([])
      .describe('extra token files (JSON/YAML lists) merged into the registry at detect time'),
  })
  .prefault({});

const aws = z
  .strictObject({
    region: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'expected an AWS region name such as us-east-1')
      .optional(),
    profile: z.string().min(1).optional(),
    s3PathStyle: z
      .boolean()
      .default(false)
      .describe(
        'path-style S3 requests (for S3-compatible stand-ins; set when AWS_ENDPOINT_URL_S3 points at one)',
      ),
  })
  .prefault({});

const secrets = z
  .strictObject({
    mode: z
      .enum(['encrypted', 'none'])
      .default('encrypted')
      .describe('"encrypted": keep canary secrets sealed with keyFile; "none": never store them'),
    keyFile: z.string().min(1).default('secrets.key').describe('relative to the workspace'),
  })
  .prefault({});

const canary = z
  .strictObject({
    userPath: z
      .string()
      .max(512)
      .regex(/^\/([\x21-\x7E]*\/)?$/, 'expected an IAM path: "/" or "/a/b/" (printable ASCII)')
      .default('/'),
    nameTemplates,
    tags: z
      .record(tagKey, tagValue)
      .refine((t) => Object.keys(t).length <= 50, 'IAM allows at most 50 tags on a user')
      .default({})
      .describe('tags put on canary users; none by default, because tags can give them away'),
    secrets,
  })
  .prefault({});

const safetyNet = z
  .strictObject({
    granularityMinutes: z.number().int().min(1).max(240).default(15),
    requestsPerSecond: z.number().positive().max(50).default(5),
    useCredentialReport: z.boolean().default(true),
  })
  .prefault({});

/** Sigma rule ids in `rules:`: `sigma.` and the rule's own id. */
export const SIGMA_RULE_ID = /^sigma\.[\w.:-]{1,200}$/;

/**
 * `rules.<rule id>`: one strict entry per built-in rule, composed from the rule registry, and
 * `sigma.<id>` entries (the shared options only) for Sigma rules, which are known only once their
 * folders are read.
 */
const rulesSection = z
  .object(Object.fromEntries(builtInRules.map((r) => [r.id, ruleConfigSchema(r).optional()])))
  .catchall(sharedRuleConfigSchema().optional())
  .superRefine((v, ctx) => {
    const known = new Set(builtInRules.map((r) => r.id));
    for (const key of Object.keys(v)) {
      if (known.has(key) || SIGMA_RULE_ID.test(key)) continue;
      ctx.addIssue({
        code: 'custom',
        path: [key],
        message: `unknown rule id; expected one of: ${[...known].join(', ')}, or sigma.<Sigma rule id>`,
      });
    }
  })
  .prefault({})
  .describe("per-rule settings: enabled, severity, allow-lists, and the rule's own options");

const sigma = z
  .strictObject({
    folders: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'Sigma rule folders or files run beside the built-in rules (relative to the workspace)',
      ),
    placeholders: z
      .record(z.string().regex(/^\w+$/, 'expected a placeholder name'), z.array(z.string()))
      .default({})
      .describe('values for the |expand modifier: %name% in a rule becomes any of these'),
  })
  .prefault({});

/** The schema of `keysnare.yaml`. */
export const configSchema = z.strictObject({
  version: z.literal(1, { error: 'expected version: 1' }),
  actor: z.string().min(1).max(256).optional().describe('who is recorded in custody history'),
  detect,
  limits,
  tokens,
  aws,
  canary,
  managementPrincipals: z
    .array(
      z.string().regex(MANAGEMENT_ARN, 'expected an IAM or STS ARN (arn:aws:iam::123456789012:…)'),
    )
    .default([])
    .describe("ARNs whose IAM calls on canary users are Keysnare's own, not tampering"),
  safetyNet,
  ipContext: ipContextSection,
  sigma,
  rules: rulesSection,
  alerts: alertsSection,
  server: serverSection,
  sources: sourcesSection,
});

/** A validated configuration, defaults filled in. */
export type KeysnareConfig = z.output<typeof configSchema>;

/**
 * The JSON Schema of `keysnare.yaml` (input side, so defaults show) for editor completion;
 * scripts write it to docs/config.schema.json.
 */
export function configJsonSchema(): object {
  const schema = z.toJSONSchema(configSchema, { io: 'input', target: 'draft-2020-12' });
  // `rules:` takes built-in ids and `sigma.<id>`: zod writes the Sigma entry as
  // additionalProperties, which would let editors accept any key.
  const rules = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.[
    'rules'
  ];
  if (rules && typeof rules['additionalProperties'] === 'object') {
    rules['patternProperties'] = { [SIGMA_RULE_ID.source]: rules['additionalProperties'] };
    rules['additionalProperties'] = false;
  }
  const alerts = (schema.properties as Record<string, Record<string, unknown>> | undefined)?.[
    'alerts'
  ];
  const sinks = (alerts?.['properties'] as Record<string, Record<string, unknown>> | undefined)?.[
    'sinks'
  ];
  if (sinks) sinks['additionalProperties'] = sinkEntriesJsonSchema();
  return { ...schema, title: 'Keysnare configuration (keysnare.yaml)' };
}

/**
 * A commented `keysnare.yaml` for `keysnare init`: every setting at its default, with what it does.
 * Parsing it gives exactly the defaults.
 *
 * @example
 * writeFileSync(path.join(home, 'keysnare.yaml'), defaultConfigYaml());
 */
export function defaultConfigYaml(): string {
  const templates = DEFAULT_NAME_TEMPLATES.map((t) => `    - ${JSON.stringify(t)}`).join('\n');
  return `# Keysnare configuration. Every section is optional; the values below are the defaults.
# Editors can complete keys from docs/config.schema.json.
version: 1

# Who is recorded in each token's chain of custody. When unset, the running command supplies it.
# actor: alice@example.com

detect:
  # Canary events of one token from one source further apart than this start a new finding.
  quietGapMinutes: 60
  # Files read in parallel by \`keysnare detect\` and \`ingest\` (the main thread and N-1 worker
  # threads): "auto" (one per CPU) or 1..64.
  workers: auto

limits:
  # Largest CloudTrail file read, counted as bytes read and again after decompression (bytes).
  # Larger files (and devices, FIFOs, gzip bombs) are reported and skipped.
  maxFileBytes: ${512 * MIB}
  # Largest single CloudTrail record (bytes).
  maxRecordBytes: ${MIB}
  # File bytes held at once across worker threads: workers = at most maxInFlightBytes / maxFileBytes.
  maxInFlightBytes: ${2048 * MIB}

tokens:
  # Extra token files (JSON or YAML lists) merged into the registry at detect time.
  files: []

aws:
  # Both default to the AWS SDK's own configuration chain (AWS_REGION, AWS_PROFILE, ~/.aws).
  # region: us-east-1
  # profile: canaries

canary:
  # IAM path for canary users. "/" blends in; a path like /canary/ is a tell.
  userPath: /
  # User-name templates, picked at random when minting. Placeholders: {team} {service} {env}
  # {repo} {n}. Words that give a canary away (canary, honey, trap, decoy, token, bait, fake)
  # are rejected.
  nameTemplates:
${templates}
  # Tags put on canary users. None by default: tags are readable by anyone who can call IAM.
  tags: {}
  secrets:
    # "encrypted": keep canary secret keys sealed with keyFile; "none": never store them.
    mode: encrypted
    # Key file for sealing secrets, relative to the workspace. Keep it out of backups you share.
    keyFile: secrets.key

# ARNs whose IAM calls on canary users are Keysnare's own (minting, rotating), not tampering.
managementPrincipals: []

safetyNet:
  # Width of the windows the Safety Net poller compares "last used" times against (minutes).
  granularityMinutes: 15
  # IAM requests per second the poller may make.
  requestsPerSecond: 5
  # Read the IAM credential report instead of one GetAccessKeyLastUsed call per key.
  useCredentialReport: true

${ipContextYaml()}
sigma:
  # Folders (or files) of Sigma rules (product: aws, service: cloudtrail) run beside the built-in
  # rules, relative to the workspace; \`keysnare rules check\` says which load. Their findings have
  # rule ids sigma.<rule id>, configurable under rules: like the built-ins.
  folders: []
  # Values for the |expand modifier: a rule's %name% matches any of them.
  placeholders: {}

# Per-rule settings, by rule id (\`keysnare rules list\` and docs/rules.md list the rules and
# their options). Every rule takes enabled, severity and allow (cidrs, userAgents, principals,
# accounts: events matching any of them never reach the rule). For example:
# rules:
#   recon.key-enumeration:
#     minKeys: 3
#     windowMinutes: 15
#     allow:
#       cidrs: [10.20.0.0/16]        # the security team's scanner
#   useragent.offensive-os:
#     allow:
#       principals: ['arn:aws:iam::*:role/red-team']
#   sigma.a2cd4a1c-7c7a-4a2e-9d8b-2a4b5c6d7e8f:   # a Sigma rule, by its id
#     severity: low
rules: {}

# Incidents and where their alerts go (docs/alerting.md; docs/sinks/ has each sink's options).
# With no sinks, incidents are still kept (keysnare incidents list) but nothing is sent.
alerts:
  # Findings of one canary or principal within this many hours of each other are one incident.
  windowHours: 24
  # An alert that could not be delivered for this long is dead-lettered (keysnare alerts list).
  maxAgeHours: 24
  # For example:
  # dashboardUrl: https://keysnare.example.com   # links in alerts
  # sinks:
  #   sec-slack: { type: slack, webhookUrl: 'https://hooks.slack.com/services/T0/B0/XXXX' }
  #   oncall: { type: pagerduty, routingKey: 0123456789abcdef0123456789abcdef }
  #   siem: { type: syslog, host: siem.internal, transport: tls, format: cef }
  # routes:                        # none: every alert to every sink
  #   - { minSeverity: high, sinks: [sec-slack] }
  #   - { labels: [canary], sinks: [oncall] }
  #   - { sinks: [siem] }
  # quiet:                         # recorded and grouped, never paged
  #   - { name: weekly scan, sourceCidrs: [203.0.113.0/24], userAgents: [nessus] }
  sinks: {}
  routes: []
  quiet: []

# keysnare serve (npm start): the dashboard, the API and live intake (docs/server.md).
server:
  host: 127.0.0.1
  port: 8080
  # Mark the session cookie Secure: set when HTTPS terminates in front of Keysnare.
  secureCookies: false
  sessionHours: 12
  # intakeSecret: <24+ random characters>   # turns on POST /api/v1/intake/eventbridge
  # Folders watched for new CloudTrail files, relative to the workspace.
  watch: []
  watchEverySeconds: 10
  dispatchEverySeconds: 5
  # The Safety Net on a schedule (0: off; it needs AWS credentials for the canary account).
  safetyNetEveryMinutes: 0
  # Warn when nothing has come in for this long (0: off).
  heartbeatMinutes: 0
`;
}
