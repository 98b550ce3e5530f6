export * from './days.js';
export * from './domains.js';
export * from './facts.js';
export * from './history.js';
export * from './outcomes.js';
export * from './usage.js';
