export * from './canary-index.js';
export * from './engine.js';
export * from './grouping.js';
export * from './rule.js';
export { rules } from './rules/index.js';
export * from './rule-config.js';
export * from './state/state.js';
export { createMemoryState } from './state/memory.js';
export { denseWindowEntries, distinctValues } from './state/windows.js';
