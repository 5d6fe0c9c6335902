/**
 * The WorkerInit reader tests build file work from: detect mode, generous limits, every rule with
 * its defaults, the pre-filter on or off; `over` sets the rest (tokens, rule config, Sigma rules).
 */
import { CLOUDTRAIL_START_MS } from '../../src/normalize/index.js';
import type { WorkerInit } from '../../src/pipeline/setup.js';

export function testWorkerInit(prefilter: boolean, over: Partial<WorkerInit> = {}): WorkerInit {
  return {
    tokens: [],
    facts: [],
    managementPrincipals: [],
    limits: { maxFileBytes: 1 << 24, maxRecordBytes: 1 << 20 },
    times: { notBeforeMs: CLOUDTRAIL_START_MS, notAfterMs: Date.UTC(2030, 0, 1) },
    prefilter,
    mode: 'detect',
    ruleConfig: {},
    canaryOnly: false,
    ...over,
  };
}
