export * from './backtest.js';
export * from './firmographics.js';
export * from './fit.js';
export * from './model.js';
export * from './queries.js';
export * from './run.js';
export * from './runs.js';
export * from './state.js';
