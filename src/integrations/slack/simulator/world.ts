import type { Dataset } from '../../../simulators/dataset/types.js';

/** A channel of the simulated Slack workspace. */
export interface SimChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  /** Whether the Beton bot is in it (it must be, to post). */
  botIsMember: boolean;
}

/** A person of the simulated Slack workspace. */
export interface SimUser {
  id: string;
  name: string;
  realName: string;
  email: string;
}

export interface SlackWorld {
  teamId: string;
  teamName: string;
  /** The workspace's URL, as `auth.test` answers it. */
  teamUrl: string;
  botUserId: string;
  botId: string;
  channels: SimChannel[];
  users: SimUser[];
}

/** Channels the bench spreads alerts over ("1,000 occurrences across 20 channels"). */
export const BENCH_CHANNELS = 20;

const channel = (n: number, name: string, opts: Partial<SimChannel> = {}): SimChannel => ({
  id: `C${String(n).padStart(8, '0')}`,
  name,
  isPrivate: false,
  isArchived: false,
  botIsMember: true,
  ...opts,
});

/**
 * The seller's own Slack workspace, named after the world's CRM workspace: its members (the
 * accounts' owners in the CRM) are the Slack users, so an owner's alert finds them by e-mail. The
 * channels cover every case a sender meets: joined, not joined, archived, private (joined, and not
 * visible to the bot), and 20 `signals-NN` channels for the delivery benchmark.
 */
export function slackWorldFromDataset(dataset: Pick<Dataset, 'crm'>): SlackWorld {
  const users = dataset.crm.members.map((m, i) => ({
    id: `U${String(i + 1).padStart(8, '0')}`,
    name: `${m.firstName}.${m.lastName}`.toLowerCase().replace(/[^a-z.]/g, ''),
    realName: `${m.firstName} ${m.lastName}`,
    email: m.email.toLowerCase(),
  }));
  const channels = [
    channel(1, 'revenue-signals'),
    channel(2, 'sales'),
    channel(3, 'customer-success'),
    channel(4, 'general', { botIsMember: false }),
    channel(5, 'random', { botIsMember: false }),
    channel(6, 'old-alerts', { isArchived: true }),
    channel(7, 'leadership', { isPrivate: true }),
    channel(8, 'board-private', { isPrivate: true, botIsMember: false }),
    ...Array.from({ length: BENCH_CHANNELS }, (_, i) =>
      channel(100 + i, `signals-${String(i + 1).padStart(2, '0')}`),
    ),
  ];
  const slug = dataset.crm.workspaceName.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  return {
    teamId: 'T0BETONSIM',
    teamName: dataset.crm.workspaceName,
    teamUrl: `https://${slug}.slack.com/`,
    botUserId: 'U0BETONBOT',
    botId: 'B0BETONBOT',
    channels,
    users,
  };
}
