/**
 * The pipeline: the one place that knows the order of the stages — source (files) → decode →
 * dedupe by eventID → normalize → detect → findings/store. `run.ts` runs it over files for
 * `detect`, `ingest.ts` into the workspace store; `read.ts` is one file's way through, in a worker
 * or in-process.
 */
export * from './files.js';
export * from './ingest.js';
export * from './run.js';
export * from './threads.js';
export { readCapped } from './read.js';
export * from './alerting.js';
export * from './triage.js';
export * from './status.js';
