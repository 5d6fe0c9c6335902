/**
 * What one file's work needs, built the same way in-process and in each worker thread: the canary
 * index, the stateless engine, the stateful rules' selectors and the pre-filter derived from the
 * enabled rules.
 */
import type { Token, TokenFact } from '../core/index.js';
import type { RuleConfig } from '../detect/index.js';
import {
  createCanaryIndex,
  createEngine,
  isCanaryOnly,
  ruleConfigs,
  rules,
} from '../detect/index.js';
import type { TimeWindow } from '../normalize/index.js';
import { buildPrefilter, learnableFrom } from './prefilter.js';
import type { FileLimits, FileMode, FileResult } from './read.js';
import { processFile } from './read.js';

/** What the main thread passes to each worker (structured-clone safe). */
export interface WorkerInit {
  readonly tokens: readonly Token[];
  readonly facts: readonly TokenFact[];
  readonly managementPrincipals: readonly string[];
  readonly limits: FileLimits;
  readonly times: TimeWindow;
  /** Allow the pre-filter (off: every record of every file is normalized). */
  readonly prefilter: boolean;
  readonly mode: FileMode;
  /** The `rules:` config section (parsed); rules without an entry run with their defaults. */
  readonly ruleConfig: Readonly<Record<string, RuleConfig | undefined>>;
  /**
   * Run the canary-only rules alone: a later pass, after new canary identifiers were learned,
   * can change nothing else.
   */
  readonly canaryOnly: boolean;
}

/** A function that runs one file's work, built once per thread from `init`. */
export function createFileWork(init: WorkerInit): (file: string) => FileResult {
  if (init.mode === 'events') {
    return (file) =>
      processFile(file, null, {
        limits: init.limits,
        times: init.times,
        prefilter: null,
        mode: 'events',
      });
  }
  const canaries = createCanaryIndex(init.tokens, init.facts);
  const base = {
    canaries,
    managementPrincipals: new Set(init.managementPrincipals),
    ruleConfig: ruleConfigs(rules, init.ruleConfig),
  };
  const chosen = init.canaryOnly ? rules.filter(isCanaryOnly) : rules;
  const stateless = createEngine(chosen, { ...base, kind: 'stateless' });
  const stateful = createEngine(chosen, { ...base, kind: 'stateful' });
  const prefilter = init.prefilter
    ? buildPrefilter(
        [...stateless.rules, ...stateful.rules],
        canaries.needles(),
        learnableFrom(init.tokens),
      )
    : null;
  return (file) =>
    processFile(
      file,
      { stateless, stateful },
      {
        limits: init.limits,
        times: init.times,
        prefilter,
        mode: 'detect',
      },
    );
}
