/**
 * The composition root: configuration → instances. The CLI (and later the server) call this; it is
 * the only module that constructs stores and AWS clients.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KeysnareConfig } from './config/schema.js';
import { configSchema, defaultConfigYaml } from './config/schema.js';
import { loadConfigOrThrow } from './config/load.js';
import { AppError } from './core/index.js';
import type { Token, WorkspaceStore } from './core/index.js';
import { openSqliteStore } from './store/sqlite.js';

/** File names inside a workspace. */
export const CONFIG_FILE = 'keysnare.yaml';
export const DB_FILE = 'keysnare.db';

/** An opened workspace. */
export interface Workspace {
  readonly home: string;
  readonly configFile: string;
  readonly dbFile: string;
  readonly config: KeysnareConfig;
  readonly store: WorkspaceStore;
  close(): Promise<void>;
}

const DENIED: Readonly<Record<string, string>> = {
  EACCES: 'permission denied (EACCES)',
  EPERM: 'permission denied (EPERM)',
  EROFS: 'read-only file system (EROFS)',
};

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
}

/**
 * A file-system error met on the workspace as a catalogued error: permission and read-only errors
 * become KS_WORKSPACE_ACCESS naming `home`; anything else is returned as it is.
 */
export function workspaceFsError(err: unknown, home: string, action: 'create' | 'read'): unknown {
  const code = errnoCode(err);
  const reason = code === undefined ? undefined : DENIED[code];
  return reason
    ? new AppError('KS_WORKSPACE_ACCESS', { home, action, reason }, { cause: err })
    : err;
}

/** The file standing where `home` (or a folder above it) should be a folder, if any. */
function fileInTheWay(home: string): string | undefined {
  for (let p = resolve(home); ; p = dirname(p)) {
    try {
      return statSync(p).isDirectory() ? undefined : p;
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT' && errnoCode(err) !== 'ENOTDIR') return undefined;
    }
    if (dirname(p) === p) return undefined;
  }
}

/**
 * True when `home` holds a workspace. A `home` that is (or lies under) a file throws
 * KS_WORKSPACE_NOT_DIR, and one that cannot be looked into throws KS_WORKSPACE_ACCESS: neither is
 * "no workspace".
 */
export function workspaceExists(home: string): boolean {
  try {
    statSync(join(home, CONFIG_FILE));
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const file = fileInTheWay(home);
      if (file) throw new AppError('KS_WORKSPACE_NOT_DIR', { home, file }, { cause: err });
      return false;
    }
    throw workspaceFsError(err, home, 'read');
  }
}

/** Create a workspace (config with defaults + database). Refuses to overwrite one. */
export function initWorkspace(home: string): Workspace {
  if (workspaceExists(home)) throw new AppError('KS_WORKSPACE_EXISTS', { home });
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    writeFileSync(join(home, CONFIG_FILE), defaultConfigYaml(), { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Something appeared meanwhile: a file where the folder goes, or another init's config.
    const file = fileInTheWay(home);
    if (file) throw new AppError('KS_WORKSPACE_NOT_DIR', { home, file }, { cause: err });
    if (errnoCode(err) === 'EEXIST') throw new AppError('KS_WORKSPACE_EXISTS', { home });
    throw workspaceFsError(err, home, 'create');
  }
  return openWorkspace(home);
}

/** Open an existing workspace; KS_WORKSPACE_MISSING when there is none. */
export function openWorkspace(home: string): Workspace {
  if (!workspaceExists(home)) throw new AppError('KS_WORKSPACE_MISSING', { home });
  const configFile = join(home, CONFIG_FILE);
  const config = loadConfigOrThrow(configFile);
  const dbFile = join(home, DB_FILE);
  const store = openSqliteStore(dbFile);
  return { home, configFile, dbFile, config, store, close: () => store.close() };
}

/** The configuration of a workspace when there is one, else the defaults (for `detect`). */
export function configOrDefaults(home: string): KeysnareConfig {
  return workspaceExists(home)
    ? loadConfigOrThrow(join(home, CONFIG_FILE))
    : configSchema.parse({ version: 1 });
}

/** The IAM port for the workspace's AWS settings (standard SDK configuration applies). */
export async function createIam(config: KeysnareConfig): Promise<import('./aws/ports.js').IamPort> {
  const { createIamClient } = await import('./aws/clients.js');
  const { createIamPort } = await import('./aws/iam.js');
  return createIamPort(
    createIamClient({
      ...(config.aws.region ? { region: config.aws.region } : {}),
      ...(config.aws.profile ? { profile: config.aws.profile } : {}),
    }),
  );
}

/** The STS port for the workspace's AWS settings. */
export async function createSts(config: KeysnareConfig): Promise<import('./aws/ports.js').StsPort> {
  const { createStsClient } = await import('./aws/clients.js');
  const { createStsPort } = await import('./aws/sts.js');
  return createStsPort(
    createStsClient({
      ...(config.aws.region ? { region: config.aws.region } : {}),
      ...(config.aws.profile ? { profile: config.aws.profile } : {}),
    }),
  );
}

const MANAGEMENT_KEY = 'management-principals';

/** Principals whose IAM calls on canaries are Keysnare's own: config plus those recorded at mint. */
export async function managementPrincipals(ws: Workspace): Promise<string[]> {
  const recorded = JSON.parse((await ws.store.getValue(MANAGEMENT_KEY)) ?? '[]') as string[];
  return [...new Set([...ws.config.managementPrincipals, ...recorded])];
}

/** Remember the principal Keysnare manages canaries as (so its own calls never look like tampering). */
export async function recordManagementPrincipal(ws: Workspace, arn: string): Promise<void> {
  const recorded = JSON.parse((await ws.store.getValue(MANAGEMENT_KEY)) ?? '[]') as string[];
  if (!recorded.includes(arn))
    await ws.store.setValue(MANAGEMENT_KEY, JSON.stringify([...recorded, arn]));
}

/** Seal/open canary secrets per `canary.secrets`; `seal` is undefined when mode is 'none'. */
export async function secretsFor(
  ws: Workspace,
  keyText: string | undefined,
  create: boolean,
): Promise<{
  seal: ((id: string, s: string) => string) | undefined;
  open: (id: string) => Promise<string | undefined>;
}> {
  const { loadSecretKey, sealSecret, openSecret } = await import('./tokens/secrets.js');
  if (ws.config.canary.secrets.mode === 'none')
    return { seal: undefined, open: () => Promise.resolve(undefined) };
  const keyFile = resolve(ws.home, ws.config.canary.secrets.keyFile);
  let key: Buffer | undefined;
  const getKey = (): Buffer =>
    (key ??= loadSecretKey({ keyFile, create, ...(keyText ? { keyText } : {}) }));
  return {
    seal: (id, s) => sealSecret(getKey(), s, id),
    open: async (id) => {
      const sealed = await ws.store.getSecret(id);
      return sealed === undefined ? undefined : openSecret(getKey(), sealed, id);
    },
  };
}

/**
 * Every canary to match: the registry (active and retired — sessions outlive keys), the config's
 * token files, then `extraFiles` (e.g. `detect --tokens`); the first entry for a key wins.
 */
export async function canaryTokens(
  ws: Workspace | undefined,
  extraFiles: readonly string[],
  now: Date,
): Promise<Token[]> {
  const { readTokenFile } = await import('./tokens/token-file.js');
  const { fileToken } = await import('./tokens/file-token.js');
  const registered = ws ? await ws.store.list({ status: 'all' }) : [];
  const byKey = new Map(registered.map((t) => [t.accessKeyId, t]));
  for (const file of [...(ws?.config.tokens.files ?? []), ...extraFiles]) {
    for (const input of readTokenFile(file)) {
      if (!byKey.has(input.accessKeyId)) byKey.set(input.accessKeyId, fileToken(input, now));
    }
  }
  return [...byKey.values()];
}

/** The rule catalog with the workspace's `rules:` settings applied (defaults without a workspace). */
export async function listRules(home: string): Promise<import('./detect/index.js').CatalogEntry[]> {
  const { ruleCatalog } = await import('./detect/catalog.js');
  return ruleCatalog(configOrDefaults(home).rules);
}

export { listInputFiles, resolveWorkers } from './pipeline/index.js';
export type {
  IngestOptions,
  IngestResult,
  RunOptions,
  RunResult,
  RunStats,
} from './pipeline/index.js';

/**
 * The Sigma rules of a run: the configured folders (`sigma.folders`, relative to the workspace)
 * and `extra` paths (`--rules sigma:PATH`, as given), read once, with a status per rule file.
 * Undefined `sigma` when no rule file was found.
 */
export async function sigmaForRun(
  home: string,
  config: KeysnareConfig,
  extra: readonly string[],
): Promise<{
  readonly sigma: import('./detect/index.js').SigmaSet | undefined;
  readonly statuses: readonly import('./detect/index.js').SigmaFileStatus[];
}> {
  const paths = [...config.sigma.folders.map((f) => resolve(home, f)), ...extra];
  if (paths.length === 0) return { sigma: undefined, statuses: [] };
  const { readSigmaSources, compiledSigma } = await import('./detect/index.js');
  const { sources, problems } = readSigmaSources(paths);
  const sigma = { sources, placeholders: config.sigma.placeholders };
  const { statuses } = compiledSigma(sigma).load;
  return {
    sigma: sources.length > 0 ? sigma : undefined,
    statuses: [...problems, ...statuses],
  };
}

/** Ingest files into an open workspace: the pipeline over its store, canaries and settings. */
export async function ingestIntoWorkspace(
  ws: Workspace,
  o: import('./pipeline/index.js').IngestOptions,
  onIpDataError?: (message: string) => void,
  sigma?: import('./detect/index.js').SigmaSet,
): Promise<import('./pipeline/index.js').IngestResult> {
  const { ingestFiles } = await import('./pipeline/index.js');
  const ip = await ipLookup(ws.home, ws.config, onIpDataError);
  const alerting = await alertingFor(ws, o.now, { ...(sigma ? { sigma } : {}), ip: ip ?? null });
  await ensureIncidents(ws, alerting);
  return ingestFiles(
    {
      alerting,
      store: ws.store,
      tokens: await canaryTokens(ws, [], o.now()),
      managementPrincipals: await managementPrincipals(ws),
      limits: ws.config.limits,
      ruleConfig: ws.config.rules,
      ...(ip ? { ip } : {}),
      ...(sigma ? { sigma } : {}),
    },
    o,
  );
}

/**
 * Ingest, many times over one open workspace (the server's intake): the IP context and the rule
 * set are built once (the IP data takes a few hundred milliseconds to load), while canaries and
 * management principals are read again for each call, so a token registered meanwhile counts.
 */
export async function ingestSession(
  ws: Workspace,
  now: () => Date,
  onIpDataError?: (message: string) => void,
  sigma?: import('./detect/index.js').SigmaSet,
): Promise<{
  readonly alerting: import('./pipeline/index.js').AlertingDeps;
  ingest(
    o: import('./pipeline/index.js').IngestOptions,
  ): Promise<import('./pipeline/index.js').IngestResult>;
}> {
  const { ingestFiles } = await import('./pipeline/index.js');
  const ip = await ipLookup(ws.home, ws.config, onIpDataError);
  const base = await alertingFor(ws, now, { ip: ip ?? null, ...(sigma ? { sigma } : {}) });
  await ensureIncidents(ws, base);
  return {
    alerting: base,
    async ingest(o) {
      const tokens = await canaryTokens(ws, [], o.now());
      return ingestFiles(
        {
          store: ws.store,
          tokens,
          managementPrincipals: await managementPrincipals(ws),
          limits: ws.config.limits,
          ruleConfig: ws.config.rules,
          alerting: { ...base, tokens },
          ...(ip ? { ip } : {}),
          ...(sigma ? { sigma } : {}),
        },
        o,
      );
    },
  };
}

/** What {@link detectFiles} needs besides the files and callbacks. */
export type DetectRequest = Omit<
  import('./pipeline/index.js').RunOptions,
  'tokens' | 'facts' | 'managementPrincipals' | 'limits' | 'ruleConfig'
> & {
  /** Extra token files (`detect --tokens`). */
  readonly tokenFiles: readonly string[];
  readonly now: Date;
  /** Hears a configured IP data file that cannot be read or parsed (once per file). */
  readonly onIpDataError?: (message: string) => void;
};

/**
 * Detection over files, writing nothing: canaries from the workspace at `home` when there is one
 * (registry, learned facts, token files) plus `tokenFiles`, and its `limits` and `rules` settings.
 */
export async function detectFiles(
  home: string,
  o: DetectRequest,
): Promise<import('./pipeline/index.js').RunResult & { readonly tokens: number }> {
  const { runFiles, prestartWorkers } = await import('./pipeline/index.js');
  // Worker threads load their modules while this thread reads the canaries.
  prestartWorkers(o.workers - 1);
  const config = configOrDefaults(home);
  const { tokenFiles, now, onIpDataError, ...run } = o;
  let tokens: Token[];
  let facts: import('./core/index.js').TokenFact[] = [];
  let management: string[] = [];
  if (workspaceExists(home)) {
    const ws = openWorkspace(home);
    try {
      tokens = await canaryTokens(ws, tokenFiles, now);
      facts = await ws.store.facts();
      management = await managementPrincipals(ws);
    } finally {
      await ws.close();
    }
  } else {
    tokens = await canaryTokens(undefined, tokenFiles, now);
  }
  const ip = await ipLookup(home, config, onIpDataError);
  const result = await runFiles({
    ...run,
    tokens,
    facts,
    managementPrincipals: management,
    limits: config.limits,
    ruleConfig: config.rules,
    ...(ip ? { ip } : {}),
  });
  return { ...result, tokens: tokens.length };
}

/**
 * The offline IP lookup the rules use (`ipContext:` in keysnare.yaml), or undefined when it is
 * turned off. Nothing is read until the first lookup; a source that fails then is reported once
 * to `onError` and left out.
 */
async function ipLookup(
  home: string,
  config: KeysnareConfig,
  onError: ((message: string) => void) | undefined,
): Promise<import('./detect/index.js').IpLookup | undefined> {
  const options = ipContextOptions(home, config);
  if (!options) return undefined;
  const { createIpContext } = await import('./normalize/enrich/ip-context/index.js');
  const ip = createIpContext({
    ...options,
    onError: (err) => onError?.(err.message),
  });
  return (address) => ip.lookup(address);
}

/** One Safety Net pass over an open workspace, with its IAM port. */
export async function runSafetyNetPass(
  ws: Workspace,
  o: import('./safety-net.js').SafetyNetOptions,
): Promise<import('./safety-net.js').SafetyNetRun> {
  const { runSafetyNet } = await import('./safety-net.js');
  const alerting = o.alerting ?? (await alertingFor(ws, () => new Date()));
  await ensureIncidents(ws, alerting);
  return runSafetyNet(ws.store, await createIam(ws.config), { ...o, alerting });
}

/** Where `keysnare data update` puts downloaded data, relative to the workspace. */
export const DATA_FILES = {
  awsIpRanges: 'data/aws-ip-ranges.json',
  torExitList: 'data/tor-exit-list.txt',
} as const;

/** Where `keysnare data update` downloads from, unless told otherwise. */
export const DATA_URLS = {
  awsIpRanges: 'https://ip-ranges.amazonaws.com/ip-ranges.json',
  torExitList: 'https://check.torproject.org/torbulkexitlist',
} as const;

/** The file a data source uses: the configured path (relative to `home`), else the default. */
function dataFile(home: string, configured: string | undefined, fallback: string): string {
  return resolve(home, configured ?? fallback);
}

/**
 * Options for `createIpContext` (normalize/enrich/ip-context) from a workspace's `ipContext:`
 * settings, paths resolved against `home`; undefined when `ipContext.enabled` is false. Plain
 * data, so the main thread can hand it to worker threads, each of which builds its own lookups.
 * The downloaded AWS and Tor files are used when present at their default place; a configured
 * path must exist.
 */
export function ipContextOptions(
  home: string,
  config: KeysnareConfig = configOrDefaults(home),
): import('./normalize/enrich/ip-context/index.js').IpContextOptions | undefined {
  const c = config.ipContext;
  if (!c.enabled) return undefined;
  const at = (p: string | false | undefined) => (typeof p === 'string' ? resolve(home, p) : p);
  const optional = (configured: string | undefined, fallback: string) => {
    const file = dataFile(home, configured, fallback);
    return configured !== undefined || existsSync(file) ? file : undefined;
  };
  const aws = optional(c.awsIpRanges, DATA_FILES.awsIpRanges);
  const tor = optional(c.torExitList, DATA_FILES.torExitList);
  const ipv4 = at(c.asnCsv.ipv4);
  const ipv6 = at(c.asnCsv.ipv6);
  const country = at(c.countryMmdb);
  return {
    ...(country !== undefined ? { countryMmdb: country } : {}),
    ...(c.asnMmdb !== undefined ? { asnMmdb: resolve(home, c.asnMmdb) } : {}),
    asnCsv: { ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}) },
    ...(aws !== undefined ? { awsIpRanges: aws } : {}),
    ...(tor !== undefined ? { torExitList: tor } : {}),
    cloudAsns: c.cloudAsns,
    hostingAsns: c.hostingAsns,
    cacheSize: c.cacheSize,
  };
}

/** What `keysnare data update` is asked. */
export interface DataUpdateRequest {
  /** Download from here instead of {@link DATA_URLS}. */
  readonly urls?: { readonly awsIpRanges?: string; readonly torExitList?: string };
  readonly timeoutMs?: number;
  /** Accept a list less than half the size of the current copy. */
  readonly force?: boolean;
  readonly fetch?: typeof fetch;
}

/** One data file's update: what was written, or the typed error that stopped it. */
export type DataUpdateResult = {
  readonly source: 'aws-ip-ranges' | 'tor-exit-list';
  readonly url: string;
  readonly file: string;
} & (
  | {
      readonly ok: true;
      readonly bytes: number;
      readonly entries: number;
      readonly syncToken?: string;
      readonly createDate?: string;
    }
  | { readonly ok: false; readonly error: AppError }
);

/** Entries in the current copy of a data file, or undefined when there is none usable. */
function currentEntries(file: string, count: (text: string) => number): number | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return count(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * `keysnare data update`: download AWS ip-ranges.json and the Tor exit list into the workspace's
 * data folder (or the configured paths), each checked and replaced atomically. Every source is
 * tried; each result says what was written or why not (KS_DATA_OFFLINE, KS_DATA_DOWNLOAD …).
 */
export async function updateIpData(
  home: string,
  o: DataUpdateRequest = {},
): Promise<DataUpdateResult[]> {
  if (!workspaceExists(home)) throw new AppError('KS_WORKSPACE_MISSING', { home });
  const config = loadConfigOrThrow(join(home, CONFIG_FILE));
  const { checkDownloadUrl, downloadFile } = await import('./sources/download.js');
  const ip = await import('./normalize/enrich/ip-context/index.js');
  const MIB = 1024 * 1024;
  const aws = (text: string, from: string) => {
    const r = ip.parseAwsIpRanges(text, from);
    return {
      entries: r.prefixes + r.ipv6Prefixes,
      ...(r.syncToken !== undefined ? { syncToken: r.syncToken } : {}),
      ...(r.createDate !== undefined ? { createDate: r.createDate } : {}),
    };
  };
  const tor = (text: string, from: string) => ({ entries: ip.parseTorExitList(text, from).size });
  const jobs = [
    {
      source: 'aws-ip-ranges' as const,
      what: 'AWS ip-ranges.json',
      option: '--url-aws-ip-ranges',
      url: o.urls?.awsIpRanges ?? DATA_URLS.awsIpRanges,
      file: dataFile(home, config.ipContext.awsIpRanges, DATA_FILES.awsIpRanges),
      maxBytes: 64 * MIB,
      parse: aws,
    },
    {
      source: 'tor-exit-list' as const,
      what: 'Tor exit list',
      option: '--url-tor',
      url: o.urls?.torExitList ?? DATA_URLS.torExitList,
      file: dataFile(home, config.ipContext.torExitList, DATA_FILES.torExitList),
      maxBytes: 16 * MIB,
      parse: tor,
    },
  ];
  for (const job of jobs) checkDownloadUrl(job.url, job.option);
  const results: DataUpdateResult[] = [];
  for (const job of jobs) {
    const base = { source: job.source, url: job.url, file: job.file };
    const before = currentEntries(job.file, (t) => job.parse(t, job.file).entries);
    try {
      const done = await downloadFile({
        what: job.what,
        url: job.url,
        file: job.file,
        maxBytes: job.maxBytes,
        timeoutMs: o.timeoutMs ?? 60_000,
        ...(o.fetch ? { fetch: o.fetch } : {}),
        check: (body) => {
          const summary = job.parse(body.toString('utf8'), job.url);
          if (!o.force && before !== undefined && summary.entries * 2 < before) {
            throw new AppError('KS_DATA_DOWNLOAD', {
              reason: `it lists ${summary.entries} entries where the current copy lists ${before}; pass --force to accept a list that shrank by more than half`,
            });
          }
          return summary;
        },
      });
      results.push({ ...base, ok: true, bytes: done.bytes, ...done.summary });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ ...base, ok: false, error: err });
    }
  }
  return results;
}

/**
 * `keysnare data status`: every IP-context source of the workspace (defaults without one), loaded
 * now, with its file, entries, load time and the error of any that failed. Throws
 * KS_IP_DATA_READ when a configured file is missing; undefined when `ipContext.enabled` is false.
 */
export async function ipDataStatus(
  home: string,
): Promise<import('./normalize/enrich/ip-context/index.js').IpSourceStatus[] | undefined> {
  const options = ipContextOptions(home);
  if (!options) return undefined;
  const { createIpContext } = await import('./normalize/enrich/ip-context/index.js');
  const ip = createIpContext(options);
  try {
    ip.loadAll();
  } catch {
    // Each failure is in sources(), with its message.
  }
  return ip.sources();
}

/** Keysnare's version (package.json), for user agents and CEF. */
function keysnareVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * Incidents and alerting over an open workspace: its `alerts:` settings, canaries, the runbooks of
 * the rules (and the Sigma rules of the run, when given) and the IP context.
 */
export async function alertingFor(
  ws: Workspace,
  now: () => Date,
  opts: {
    readonly sigma?: import('./detect/index.js').SigmaSet;
    readonly onIpDataError?: (message: string) => void;
    /** An IP lookup already built (null: none configured), instead of building one. */
    readonly ip?: import('./detect/index.js').IpLookup | null;
  } = {},
): Promise<import('./pipeline/index.js').AlertingDeps> {
  const { ruleSet, ruleCatalog } = await import('./detect/index.js');
  const a = ws.config.alerts;
  const runbooks = new Map<string, readonly string[]>([
    ...ruleCatalog().map((r) => [r.id, r.runbook] as const),
    ...ruleSet(opts.sigma).map((r) => [r.id, r.runbook] as const),
  ]);
  const ip =
    opts.ip !== undefined
      ? (opts.ip ?? undefined)
      : await ipLookup(ws.home, ws.config, opts.onIpDataError);
  return {
    store: ws.store,
    sinks: Object.keys(a.sinks),
    routes: a.routes.map((r) => definedOnly(r) as import('./alert/index.js').Route),
    quiet: a.quiet.map((q) => definedOnly(q) as import('./incidents/index.js').QuietRule),
    windowMs: a.windowHours * 3_600_000,
    ...(a.dashboardUrl !== undefined ? { dashboardUrl: a.dashboardUrl } : {}),
    tokens: await canaryTokens(ws, [], now()),
    runbook: (id: string) => runbooks.get(id) ?? [],
    ...(a.dashboardUrl !== undefined
      ? { ownerLink: await ownerLinks(ws, a.dashboardUrl, now) }
      : {}),
    ...(ip ? { ip } : {}),
    now,
  };
}

/** "Was this you?" links under the dashboard's URL (server/signed-link.ts). */
async function ownerLinks(
  ws: Workspace,
  base: string,
  now: () => Date,
): Promise<(incidentId: string, revision: number) => string> {
  const { linkKey, wasThisYouPath } = await import('./server/signed-link.js');
  const key = await linkKey(ws.store);
  return (id, revision) => `${base.replace(/\/+$/, '')}${wasThisYouPath(key, id, revision, now())}`;
}

/** `o` without its undefined entries (zod's optional keys, for exact optional types). */
function definedOnly(o: object): object {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/**
 * The workspace's sinks, built from `alerts.sinks` (each validated by its type's schema when the
 * config loaded). KS_SINK_INVALID names a sink whose factory refused its options.
 */
export async function buildSinks(
  ws: Workspace,
  now: () => Date,
): Promise<Map<string, import('./alert/index.js').Sink>> {
  const { createGuard, createHttpClient } = await import('./alert/index.js');
  const { sinkDefinition, ownOptions } = await import('./config/alerts.js');
  const { hostname } = await import('node:os');
  const version = keysnareVersion();
  const out = new Map<string, import('./alert/index.js').Sink>();
  for (const [name, entry] of Object.entries(ws.config.alerts.sinks)) {
    const def = sinkDefinition(entry.type);
    if (!def)
      throw new AppError('KS_SINK_INVALID', { sink: name, reason: `unknown type ${entry.type}` });
    const guard = createGuard(entry.allowPrivateTargets);
    try {
      const options: unknown = def.options.parse(ownOptions(entry));
      out.set(
        name,
        def.create(options, {
          name,
          http: createHttpClient(guard, entry.timeoutMs),
          guard,
          now,
          hostname: hostname(),
          version,
          resolvePath: (p) => resolve(ws.home, p),
        }),
      );
    } catch (err) {
      throw new AppError(
        'KS_SINK_INVALID',
        { sink: name, reason: err instanceof Error ? err.message : String(err) },
        { cause: err },
      );
    }
  }
  return out;
}

/** Per-sink rates from `alerts.sinks.<name>.ratePerMinute`. */
export function sinkRates(ws: Workspace): Map<string, number> {
  return new Map(
    Object.entries(ws.config.alerts.sinks).flatMap(([n, s]) =>
      s.ratePerMinute !== undefined ? [[n, s.ratePerMinute] as [string, number]] : [],
    ),
  );
}

/** Group findings stored before incidents existed, once per workspace (no alerts for them). */
export async function ensureIncidents(
  ws: Workspace,
  deps: import('./pipeline/index.js').AlertingDeps,
): Promise<number> {
  const KEY = 'incidents:backfilled';
  if ((await ws.store.getValue(KEY)) !== undefined) return 0;
  const { backfillIncidents } = await import('./pipeline/index.js');
  const n = await backfillIncidents(deps);
  await ws.store.setValue(KEY, deps.now().toISOString());
  return n;
}

/** The AWS ports the live sources use, from the workspace's `aws` settings (standard SDK chain). */
export async function livePorts(
  config: KeysnareConfig,
): Promise<import('./sources/live/index.js').LivePorts> {
  const clients = await import('./aws/clients.js');
  const { createS3Port } = await import('./aws/s3.js');
  const { createSqsPort } = await import('./aws/sqs.js');
  const { createCloudTrailPort } = await import('./aws/cloudtrail.js');
  const settings = {
    ...(config.aws.region ? { region: config.aws.region } : {}),
    ...(config.aws.profile ? { profile: config.aws.profile } : {}),
  };
  const pathStyle = { forcePathStyle: config.aws.s3PathStyle };
  const cloudTrail = createCloudTrailPort((region) =>
    clients.createCloudTrailClient(settings, region),
  );
  return {
    s3: (region) =>
      createS3Port(clients.createS3Client(settings, region ?? config.aws.region, pathStyle)),
    sqs: (region) => createSqsPort(clients.createSqsClient(settings, region ?? config.aws.region)),
    cloudTrail: () => cloudTrail,
  };
}

/** The live sources of `sources:` in keysnare.yaml (validated when the config loaded). */
export async function buildLiveSources(
  ws: Workspace,
  opts: {
    readonly onProgress?: (p: import('./sources/live/index.js').BackfillProgress) => void;
  } = {},
): Promise<import('./sources/live/index.js').LiveSource[]> {
  const { liveSourceDefinition } = await import('./config/sources.js');
  const { createSpool } = await import('./sources/live/index.js');
  const ports = await livePorts(ws.config);
  return ws.config.sources.map((entry) => {
    const def = liveSourceDefinition(entry.type);
    if (!def) throw new AppError('KS_USAGE', { reason: `unknown source type ${entry.type}` });
    const { type: _t, ...own } = entry;
    const options: unknown = def.options.parse(own);
    const name = (options as { name: string }).name;
    return def.create(options, {
      ports,
      checkpoints: ws.store,
      spool: createSpool(join(ws.home, 'spool'), name),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
  });
}

/**
 * `keysnare ingest s3://bucket/prefix`: backfill a trail bucket (organisation trails included)
 * into the workspace, resuming from its checkpoint: objects are fetched into the spool, ingested
 * batch by batch, and acknowledged (the checkpoint advanced) once their events are stored.
 */
export async function backfillS3(
  ws: Workspace,
  url: string,
  o: {
    readonly now: () => Date;
    readonly quietGapMs: number;
    readonly onProgress?: (p: import('./sources/live/index.js').BackfillProgress) => void;
    readonly onBatch?: (r: import('./pipeline/index.js').IngestResult) => void;
    readonly onError?: (message: string) => void;
  },
): Promise<{ files: number; newEvents: number; quarantined: number }> {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) throw new AppError('KS_USAGE', { reason: `not an s3://bucket/prefix URL: ${url}` });
  const [, bucket = '', prefix = ''] = m;
  const { createHash } = await import('node:crypto');
  const { createS3Source, createSpool } = await import('./sources/live/index.js');
  const name = `backfill-${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
  const source = createS3Source(
    {
      name,
      bucket,
      prefix,
      maxObjectsPerPoll: 50,
      maxAttempts: 3,
      maxObjectBytes: 64 * 1024 * 1024,
      rescanSeconds: 0,
    },
    {
      ports: await livePorts(ws.config),
      checkpoints: ws.store,
      spool: createSpool(join(ws.home, 'spool'), name),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    },
  );
  const session = await ingestSession(ws, o.now, o.onError);
  let files = 0;
  let newEvents = 0;
  for (;;) {
    const batch = await source.poll();
    if (batch.length === 0) break;
    try {
      const r = await session.ingest({
        files: batch.map((f) => f.path),
        quietGapMs: o.quietGapMs,
        workers: 1,
        now: o.now,
      });
      for (const f of batch) await f.ack();
      files += batch.length;
      newEvents += r.newEvents;
      o.onBatch?.(r);
    } catch (err) {
      for (const f of batch) await f.fail(err instanceof Error ? err.message : String(err));
      throw err;
    }
    if (
      source.health().progress?.objectsTotal !== undefined &&
      source.health().pending === 0 &&
      batch.length < 50
    ) {
      const h = source.health();
      if (h.progress && h.progress.objectsDone >= (h.progress.objectsTotal ?? Infinity)) break;
    }
  }
  return { files, newEvents, quarantined: source.health().quarantined };
}
