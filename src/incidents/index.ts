/** The incidents stage: findings grouped into incidents, and the alerts their changes make. */
export * from './group.js';
export * from './message.js';
export * from './quiet.js';
export * from './hunt.js';
