export * from './catalog.js';
export * from './configure.js';
export * from './custom.js';
export * from './detector.js';
export * from './occurrences.js';
export * from './preview.js';
export * from './store.js';
export * from './titles.js';
