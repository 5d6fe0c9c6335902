/**
 * Sigma rule folders → compiled rules and one status per rule file, as `keysnare rules check`
 * reports them. A bad file stops nothing: it is named with what is wrong and where, and every
 * other rule still loads.
 */
import { readFileSync, statSync } from 'node:fs';
import { describeError, walkFiles } from '../../core/index.js';
import type { Rule } from '../rule.js';
import type { CompiledSigma } from './compile.js';
import { appliesToCloudTrail, compileSigma, SigmaCompileError } from './compile.js';
import type { CompiledCorrelation } from './correlation.js';
import { compileCorrelation, correlationRule } from './correlation.js';
import { sigmaDetectionRule } from './rule.js';
import { lintSigma } from './lint.js';
import type { SigmaRule } from './parse.js';
import { parseSigma, SigmaParseError } from './parse.js';
import type { ValueOptions } from './values.js';

/** What became of one rule (or of a file that holds none that could be read). */
export interface SigmaFileStatus {
  readonly file: string;
  readonly id?: string;
  readonly title?: string;
  /**
   * loaded: compiled and ready; not-applicable: for another log source than AWS CloudTrail;
   * unsupported: written in what Keysnare does not run (with the reason); error: broken.
   */
  readonly status: 'loaded' | 'not-applicable' | 'unsupported' | 'error';
  readonly reason?: string;
  /** What looks wrong in a rule that loaded (it runs as written): lint.ts. */
  readonly warnings?: readonly string[];
}

/** The rules that loaded and a status per rule. */
export interface SigmaLoad {
  /** The detection rules that loaded. */
  readonly rules: CompiledSigma[];
  readonly correlations: CompiledCorrelation[];
  readonly statuses: SigmaFileStatus[];
}

/** One rule file's text, read once (worker threads compile the same texts the main thread read). */
export interface SigmaSource {
  readonly file: string;
  readonly text: string;
}

/** The Sigma rules of a run: the files' texts and the `|expand` placeholders. */
export interface SigmaSet {
  readonly sources: readonly SigmaSource[];
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

/** Rule files are read up to this size; a bigger one is an error, not a rule. */
const MAX_RULE_FILE_BYTES = 1024 * 1024;

/** Every `.yml`/`.yaml` file under `paths` (files given directly are taken whatever their name). */
export function sigmaFiles(paths: readonly string[]): {
  files: string[];
  problems: SigmaFileStatus[];
} {
  const walked = walkFiles(paths, (name) => /\.ya?ml$/i.test(name));
  const problems = walked.problems.map((p): SigmaFileStatus => ({ ...p, status: 'error' }));
  return { files: [...walked.files.keys()], problems };
}

/** The status of one parsed detection rule, and the compiled rule when it loaded. */
function load(
  rule: SigmaRule & { kind: 'detection' },
  o: ValueOptions,
): { status: SigmaFileStatus; compiled?: CompiledSigma } {
  const base = { file: rule.file, id: rule.id, title: rule.title };
  if (!appliesToCloudTrail(rule)) {
    const { product = '', service = '', category = '' } = rule.logsource;
    const source = [product, service, category].filter(Boolean).join('/') || 'none given';
    return {
      status: {
        ...base,
        status: 'not-applicable',
        reason: `log source ${source}, not aws/cloudtrail`,
      },
    };
  }
  try {
    const compiled = compileSigma(rule, o);
    const warnings = lintSigma(rule);
    const status =
      warnings.length > 0
        ? { ...base, status: 'loaded' as const, warnings }
        : { ...base, status: 'loaded' as const };
    return { status, compiled };
  } catch (err) {
    if (!(err instanceof SigmaCompileError)) throw err;
    return {
      status: { ...base, status: err.unsupported ? 'unsupported' : 'error', reason: err.message },
    };
  }
}

/** Read every rule file under `paths` (too big or unreadable files are error statuses). */
export function readSigmaSources(paths: readonly string[]): {
  sources: SigmaSource[];
  problems: SigmaFileStatus[];
} {
  const { files, problems } = sigmaFiles(paths);
  const sources: SigmaSource[] = [];
  for (const file of files) {
    try {
      const size = statSync(file).size;
      if (size > MAX_RULE_FILE_BYTES)
        throw new SigmaParseError(file, `${size} bytes: not a rule file`);
      sources.push({ file, text: readFileSync(file, 'utf8') });
    } catch (err) {
      const reason =
        err instanceof SigmaParseError ? err.message : `${file}: ${describeError(err)}`;
      problems.push({ file, status: 'error', reason });
    }
  }
  return { sources, problems };
}

/**
 * Parse and compile rule texts. A rule id given twice is an error for every file after the first
 * (ids become finding rule ids, `sigma.<id>`). Correlations are compiled last, against every
 * detection rule that loaded.
 */
export function compileSigmaSources(
  sources: readonly SigmaSource[],
  o: ValueOptions = {},
): SigmaLoad {
  const rules: CompiledSigma[] = [];
  const statuses: SigmaFileStatus[] = [];
  const parsed: SigmaRule[] = [];
  const seen = new Map<string, string>();
  for (const { file, text } of sources) {
    let found: SigmaRule[];
    try {
      found = parseSigma(text, file);
    } catch (err) {
      const reason =
        err instanceof SigmaParseError ? err.message : `${file}: ${describeError(err)}`;
      statuses.push({ file, status: 'error', reason });
      continue;
    }
    for (const rule of found) {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        const reason = `${file}: rule id ${rule.id} is already used by ${first}`;
        statuses.push({ file, id: rule.id, title: rule.title, status: 'error', reason });
        continue;
      }
      seen.set(rule.id, file);
      parsed.push(rule);
      if (rule.kind === 'correlation') continue;
      const { status, compiled } = load(rule, o);
      statuses.push(status);
      if (compiled) rules.push(compiled);
    }
  }
  const correlations: CompiledCorrelation[] = [];
  for (const rule of parsed) {
    if (rule.kind !== 'correlation') continue;
    const base = { file: rule.file, id: rule.id, title: rule.title };
    try {
      correlations.push(compileCorrelation(rule, rules, parsed));
      statuses.push({ ...base, status: 'loaded' });
    } catch (err) {
      if (!(err instanceof SigmaCompileError)) throw err;
      const status = err.unsupported ? 'unsupported' : 'error';
      statuses.push({ ...base, status, reason: err.message });
    }
  }
  return { rules, correlations, statuses };
}

/** Load every rule file under `paths`: read, then {@link compileSigmaSources}. */
export function loadSigma(paths: readonly string[], o: ValueOptions = {}): SigmaLoad {
  const { sources, problems } = readSigmaSources(paths);
  const loaded = compileSigmaSources(sources, o);
  return { ...loaded, statuses: [...problems, ...loaded.statuses] };
}

/**
 * The rules a load runs: each detection rule (unless only correlations use it: a correlation's
 * `generate: false`, the default) and each correlation.
 */
export function sigmaRuleList(l: Pick<SigmaLoad, 'rules' | 'correlations'>): Rule[] {
  const inner = new Set<CompiledSigma>();
  const shown = new Set<CompiledSigma>();
  for (const c of l.correlations)
    for (const m of c.members) (c.rule.generate ? shown : inner).add(m);
  const detections = l.rules.filter((r) => shown.has(r) || !inner.has(r)).map(sigmaDetectionRule);
  return [...detections, ...l.correlations.map(correlationRule)];
}
