export { makeTestkit, type Testkit, TestkitClient, testkit } from './integration.js';
export {
  type SimulatorFaults,
  startTestkitSimulator,
  type TestkitItem,
  type TestkitSimulator,
  testkitItem,
} from './simulator.js';
