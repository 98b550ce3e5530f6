/**
 * Shared parts of every simulator: the HTTP server with its knobs and counters, rate-limit windows
 * and the simulated clock. A simulator is `createSimServer` + its routes + its limits.
 */
export { createSimClock, type SimClock } from './clock.js';
export { defaultKnobs, type Knobs, resolveKnobs } from './knobs.js';
export { ConcurrencyGate, FixedWindow, type LimitDecision, SlidingWindow } from './limits.js';
export { type Counters, createSimServer, type SimServer, type SimServerOptions } from './server.js';
