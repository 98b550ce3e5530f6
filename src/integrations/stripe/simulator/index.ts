/** The Stripe simulator: `startStripeSimulator({ dataset })`. */
export { type Params, type ParamValue, parseStripeParams } from './params.js';
export {
  type StripeResource,
  type StripeSimulator,
  type StripeSimulatorOptions,
  startStripeSimulator,
} from './server.js';
export {
  changedAttributes,
  STRIPE_API_VERSION,
  type StoredEvent,
  StripeError,
  StripeStore,
  type SubscriptionPatch,
} from './store.js';
