/**
 * The rules a run executes: the built-in pack (rules/index.ts) and, when given, the Sigma rules
 * compiled from their files' texts. Each thread compiles the same texts once (cached by content),
 * so the main thread and the workers run the same rules.
 */
import { createHash } from 'node:crypto';
import type { Rule } from './rule.js';
import { rules as builtIns } from './rules/index.js';
import type { SigmaLoad, SigmaSet } from './sigma/load.js';
import { compileSigmaSources, sigmaRuleList } from './sigma/load.js';

const compiled = new Map<string, { readonly load: SigmaLoad; readonly rules: readonly Rule[] }>();

/** The compiled Sigma set (statuses included) and the rules it runs, once per content. */
export function compiledSigma(sigma: SigmaSet): {
  readonly load: SigmaLoad;
  readonly rules: readonly Rule[];
} {
  const h = createHash('sha256');
  for (const s of sigma.sources) h.update(`${s.file}\u0000${s.text}\u0000`);
  h.update(JSON.stringify(sigma.placeholders ?? {}));
  const key = h.digest('hex');
  let entry = compiled.get(key);
  if (!entry) {
    const load = compileSigmaSources(sigma.sources, {
      ...(sigma.placeholders ? { placeholders: sigma.placeholders } : {}),
    });
    entry = { load, rules: sigmaRuleList(load) };
    // A long-lived process (the server) may reload rules: keep the newest few sets only.
    if (compiled.size >= 4) compiled.clear();
    compiled.set(key, entry);
  }
  return entry;
}

/** Built-ins plus the Sigma rules of `sigma` that load (the others are reported by the caller). */
export function ruleSet(sigma?: SigmaSet): readonly Rule[] {
  if (!sigma || sigma.sources.length === 0) return builtIns;
  return [...builtIns, ...compiledSigma(sigma).rules];
}
