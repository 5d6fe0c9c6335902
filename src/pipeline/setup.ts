/**
 * What one file's work needs, built the same way in-process and in each worker thread: the canary
 * index, the stateless engine, the stateful rules' selectors and the pre-filter derived from the
 * enabled rules.
 */
import type { Token, TokenFact } from '../core/index.js';
import type { RuleConfig, SigmaSet } from '../detect/index.js';
import {
  createCanaryIndex,
  createEngine,
  isCanaryOnly,
  ruleConfigs,
  ruleSet,
} from '../detect/index.js';
import type { TimeWindow } from '../normalize/index.js';
import { createEarliest } from './earliest.js';
import { addFactNeedles, buildPrefilter, learnableFrom } from './prefilter.js';
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
  /** Sigma rules to run beside the built-ins (their files' texts: each thread compiles them). */
  readonly sigma?: SigmaSet;
}

/**
 * One file's work, built once per thread from {@link WorkerInit}; `learn` adds canary facts found
 * meanwhile (by this thread or another), so later files are read knowing them.
 */
export type FileWork = ((file: string) => FileResult) & {
  learn(facts: readonly TokenFact[]): void;
};

/** The {@link FileWork} for `init`. */
export function createFileWork(init: WorkerInit): FileWork {
  if (init.mode === 'events') {
    const events = (file: string): FileResult =>
      processFile(file, null, {
        limits: init.limits,
        times: init.times,
        prefilter: null,
        mode: 'events',
      });
    return Object.assign(events, { learn: () => undefined });
  }
  const canaries = createCanaryIndex(init.tokens, init.facts);
  const rules = ruleSet(init.sigma);
  const base = {
    canaries,
    managementPrincipals: new Set(init.managementPrincipals),
    ruleConfig: ruleConfigs(rules, init.ruleConfig),
  };
  const chosen = init.canaryOnly ? rules.filter(isCanaryOnly) : rules;
  const stateless = createEngine(chosen, { ...base, kind: 'stateless' });
  const stateful = createEngine(chosen, { ...base, kind: 'stateful' });
  const learnable = learnableFrom(init.tokens);
  const enabled = [...stateless.rules, ...stateful.rules];
  const prefilter = init.prefilter ? buildPrefilter(enabled, canaries.needles(), learnable) : null;
  const earliest = prefilter?.earliest ? { earliest: createEarliest() } : {};
  const options = {
    limits: init.limits,
    times: init.times,
    prefilter,
    mode: 'detect' as const,
    ...earliest,
  };
  const run = (file: string): FileResult => {
    const r = processFile(file, { stateless, stateful }, options);
    // What this file taught (the engine's canary index already has it) guides the next files.
    if (prefilter?.needles && r.facts.length > 0) addFactNeedles(prefilter.needles, r.facts);
    return r;
  };
  return Object.assign(run, {
    learn(facts: readonly TokenFact[]): void {
      canaries.addFacts(facts);
      if (prefilter?.needles) addFactNeedles(prefilter.needles, facts);
    },
  });
}
