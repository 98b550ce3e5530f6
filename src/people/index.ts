/** The people at an account: every source's people and contacts merged by e-mail, with conflicts. */
export * from './merge.js';
export * from './read.js';
