export * from './csv.js';
export * from './errors.js';
export * from './event.js';
export * from './finding.js';
export * from './key-anatomy.js';
export * from './outcome.js';
export * from './ports.js';
export * from './token.js';
