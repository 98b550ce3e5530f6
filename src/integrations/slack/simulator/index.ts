/** The Slack simulator: auth, channels, people by e-mail, messages, the per-channel pace, interactions. */
import type { SimulatorStartOptions, StartedSimulator } from '../../capabilities/simulator.js';
import {
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SlackSimulator,
} from './server.js';

export { blocksProblem } from './blocks.js';
export {
  ALL_SLACK_SCOPES,
  createSlackSimulator,
  DEFAULT_SLACK_SIGNING_SECRET,
  DEFAULT_SLACK_TOKEN,
  type SimCall,
  type SimMessage,
  type SimPostAttempt,
  type SlackSimOptions,
  type SlackSimToken,
  type SlackSimulator,
} from './server.js';
export {
  BENCH_CHANNELS,
  type SimChannel,
  type SimUser,
  type SlackWorld,
  slackWorldFromDataset,
} from './world.js';

/**
 * The uniform entry point the registry loads: the seller's Slack workspace (the CRM's members as
 * its people, channels for every case), with what a connection needs.
 */
export async function startSimulator(
  options: SimulatorStartOptions,
): Promise<StartedSimulator<SlackSimulator>> {
  const server = createSlackSimulator({
    dataset: options.dataset,
    ...(options.knobs ? { knobs: options.knobs } : {}),
  });
  const url = `${await server.listen(options.port)}/api`;
  return {
    summary: { url, botToken: DEFAULT_SLACK_TOKEN, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
    connection: {
      credentials: { botToken: DEFAULT_SLACK_TOKEN, signingSecret: DEFAULT_SLACK_SIGNING_SECRET },
      settings: { baseUrl: url },
    },
    server,
    setKnobs: (knobs) => server.setKnobs(knobs),
    rateLimitStorm: (requests) => {
      server.rateLimitStorm(requests);
      return { saysWhen: true };
    },
    close: () => server.close(),
  };
}
