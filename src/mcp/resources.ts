import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { badRequest } from '../core/errors.js';
import { accountListQuery, listAccounts } from '../scoring/index.js';
import { accountBrief, accountPicture } from './brief.js';
import type { McpContext } from './context.js';

/** Accounts offered by `resources/list` (best first); any other is still readable by its URI. */
const LISTED_ACCOUNTS = 100;

export const ACCOUNT_URI_TEMPLATE = 'beton://accounts/{id}';

/** `beton://accounts/acc_…` for an account id. */
export const accountUri = (id: string) => `beton://accounts/${id}`;

/**
 * The account brief as a resource per account (`beton://accounts/{id}`, Markdown), so an assistant
 * can attach it to a conversation. The list holds the workspace's best-scored accounts.
 *
 * @example
 * registerResources(server, ctx);
 * // resources/read beton://accounts/acc_… → the brief of that account
 */
export function registerResources(server: McpServer, ctx: McpContext): void {
  const template = new ResourceTemplate(ACCOUNT_URI_TEMPLATE, {
    list: async () => {
      const page = await listAccounts(
        ctx.rt.db.kysely,
        ctx.actor.workspaceId,
        accountListQuery.parse({ sort: '-score', limit: LISTED_ACCOUNTS }),
      );
      return {
        resources: page.items.map((a) => ({
          uri: accountUri(a.id),
          name: `${a.name} (${a.domain})`,
          description: a.grade
            ? `Account brief: ${a.grade}, score ${Math.round(a.score ?? 0)}`
            : 'Account brief',
          mimeType: 'text/markdown',
        })),
      };
    },
  });
  server.registerResource(
    'account-brief',
    template,
    {
      title: 'Account brief',
      description: 'One account: grade, scores and why, recent signals, linked people and records.',
      mimeType: 'text/markdown',
    },
    async (uri, variables) => {
      const id = String(Array.isArray(variables.id) ? variables.id[0] : variables.id);
      if (!/^acc_[0-9a-f]+$/i.test(id)) {
        throw badRequest(
          `"${id}" is not an account id: use beton://accounts/acc_… (resources/list lists them).`,
        );
      }
      const picture = await accountPicture(ctx, id);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: accountBrief(picture) }] };
    },
  );
}
