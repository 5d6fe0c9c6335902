/** The alert stage: routing, the outbox's dispatcher, guarded HTTP and the sinks. */
export * from './dispatch.js';
export * from './http.js';
export * from './route.js';
export type * from './sink.js';
export { sinkDefinitions } from './sinks/index.js';
