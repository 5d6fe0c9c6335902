export * from './canary-index.js';
export * from './engine.js';
export * from './grouping.js';
export * from './rule.js';
export { rules } from './rules/index.js';
