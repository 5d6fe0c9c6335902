/**
 * Sigma rule folders → compiled rules and one status per rule file, as `keysnare rules check`
 * reports them. A bad file stops nothing: it is named with what is wrong and where, and every
 * other rule still loads.
 */
import { readFileSync, statSync } from 'node:fs';
import { describeError, walkFiles } from '../../core/index.js';
import type { CompiledSigma } from './compile.js';
import { appliesToCloudTrail, compileSigma, SigmaCompileError } from './compile.js';
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
  readonly rules: CompiledSigma[];
  readonly statuses: SigmaFileStatus[];
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

/** The status of one parsed rule, and the compiled rule when it loaded. */
function load(
  rule: SigmaRule,
  o: ValueOptions,
): { status: SigmaFileStatus; compiled?: CompiledSigma } {
  const base = { file: rule.file, id: rule.id, title: rule.title };
  if (rule.kind === 'correlation') {
    const reason = `correlation rules (${rule.type}) are not run yet`;
    return { status: { ...base, status: 'unsupported', reason } };
  }
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

/**
 * Load every rule file under `paths`. A rule id given twice is an error for every file after the
 * first (ids become finding rule ids, `sigma.<id>`).
 */
export function loadSigma(paths: readonly string[], o: ValueOptions = {}): SigmaLoad {
  const { files, problems } = sigmaFiles(paths);
  const rules: CompiledSigma[] = [];
  const statuses: SigmaFileStatus[] = [...problems];
  const seen = new Map<string, string>();
  for (const file of files) {
    let parsed: SigmaRule[];
    try {
      const size = statSync(file).size;
      if (size > MAX_RULE_FILE_BYTES)
        throw new SigmaParseError(file, `${size} bytes: not a rule file`);
      parsed = parseSigma(readFileSync(file, 'utf8'), file);
    } catch (err) {
      const reason =
        err instanceof SigmaParseError ? err.message : `${file}: ${describeError(err)}`;
      statuses.push({ file, status: 'error', reason });
      continue;
    }
    for (const rule of parsed) {
      const first = seen.get(rule.id);
      if (first !== undefined) {
        const reason = `${file}: rule id ${rule.id} is already used by ${first}`;
        statuses.push({ file, id: rule.id, title: rule.title, status: 'error', reason });
        continue;
      }
      seen.set(rule.id, file);
      const { status, compiled } = load(rule, o);
      statuses.push(status);
      if (compiled) rules.push(compiled);
    }
  }
  return { rules, statuses };
}
