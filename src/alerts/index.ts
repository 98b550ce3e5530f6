/**
 * Alerts: rules that turn outbox events (a signal opened) into messages on the workspace's
 * messaging service, exactly once; people's feedback on them; and scheduled digests.
 */
export * from './deliver.js';
export * from './derive.js';
export * from './digest.js';
export * from './feedback.js';
export * from './history.js';
export * from './jobs.js';
export * from './message.js';
export * from './messenger.js';
export * from './quiet-hours.js';
export * from './rules.js';
export * from './send-digest.js';
export * from './snooze.js';
export * from './starter.js';
