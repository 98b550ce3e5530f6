/**
 * The platform's side of the `messaging` and `interactions` capabilities, for any integration that
 * has them: the channel picker, and button presses verified and handed to the alerts' feedback.
 */
export { acceptInteraction, type FeedbackRecorder, type InteractionOutcome } from './interactions.js';
export { listMessagingChannels, messengerOf } from './open.js';
