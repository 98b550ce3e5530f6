import { type AuditActor, recordAudit } from '../audit/index.js';
import { AppError, badRequest } from '../core/errors.js';
import type { AnyIntegration } from '../integrations/index.js';
import type { ConnectionDeps } from './deps.js';

/** Capabilities one integration serves for the whole workspace: a workspace may need to choose. */
export const CHOOSABLE_CAPABILITIES = ['enrichment', 'destination', 'messaging'] as const;
export type ChoosableCapability = (typeof CHOOSABLE_CAPABILITIES)[number];

const offers = (integration: AnyIntegration, capability: ChoosableCapability) =>
  Boolean((integration as unknown as Record<string, unknown>)[capability]);

/** A capability's state in a workspace: who offers it, who is connected, who was chosen. */
export interface CapabilityProviders {
  capability: ChoosableCapability;
  /** Registered integrations that offer it. */
  offeredBy: string[];
  /** Those connected in this workspace. */
  connected: string[];
  /** The workspace's choice, if it made one. */
  chosen: string | null;
}

/**
 * Who offers a capability in this workspace, and the workspace's choice.
 *
 * @example
 * const { connected, chosen } = await capabilityProviders(rt, ws, 'enrichment');
 */
export async function capabilityProviders(
  deps: ConnectionDeps,
  workspaceId: string,
  capability: ChoosableCapability,
): Promise<CapabilityProviders> {
  const offeredBy = deps.integrations
    .list()
    .filter((i) => offers(i, capability))
    .map((i) => i.name);
  const rows =
    offeredBy.length === 0
      ? []
      : await deps.db.kysely
          .selectFrom('connections')
          .select('integration')
          .where('workspace_id', '=', workspaceId)
          .where('integration', 'in', offeredBy)
          .execute();
  const choice = await deps.db.kysely
    .selectFrom('capability_providers')
    .select('integration')
    .where('workspace_id', '=', workspaceId)
    .where('capability', '=', capability)
    .executeTakeFirst();
  return {
    capability,
    offeredBy,
    connected: offeredBy.filter((name) => rows.some((r) => r.integration === name)),
    chosen: choice?.integration ?? null,
  };
}

/**
 * The integration that serves a capability in this workspace: the workspace's choice when it is
 * connected, else the only connected one. None connected, or several and no choice, is an error
 * that says what to do.
 *
 * @example
 * const name = await providerFor(rt, ws, 'enrichment');
 */
export async function providerFor(
  deps: ConnectionDeps,
  workspaceId: string,
  capability: ChoosableCapability,
): Promise<string> {
  const state = await capabilityProviders(deps, workspaceId, capability);
  const label = (names: string[]) =>
    names.map((n) => `${deps.integrations.require(n).displayName} (${n})`).join(', ');
  if (state.offeredBy.length === 0) {
    throw new AppError(404, 'not_connected', `No registered integration offers ${capability}.`);
  }
  if (state.chosen && state.connected.includes(state.chosen)) return state.chosen;
  if (state.connected.length === 1) return state.connected[0]!;
  if (state.connected.length === 0) {
    throw new AppError(
      404,
      'not_connected',
      `No ${capability} integration is connected in this workspace; connect one of ${label(state.offeredBy)} first (PUT /api/v1/integrations/<name> or \`beton connect <name>\`).`,
    );
  }
  throw new AppError(
    409,
    `${capability}_provider_ambiguous`,
    `Several ${capability} integrations are connected in this workspace (${label(state.connected)}); choose one: PUT /api/v1/providers/${capability} {"integration": "<name>"}.`,
  );
}

/**
 * Record which integration serves a capability in this workspace (null clears the choice). The
 * integration must offer the capability; it need not be connected yet.
 *
 * @example
 * await chooseProvider(rt, { workspaceId: ws, audit: actor }, 'enrichment', 'acme');
 */
export async function chooseProvider(
  deps: ConnectionDeps,
  actor: { workspaceId: string; audit: AuditActor },
  capability: ChoosableCapability,
  integration: string | null,
): Promise<CapabilityProviders> {
  const db = deps.db.kysely;
  if (integration !== null) {
    const found = deps.integrations.require(integration);
    if (!offers(found, capability)) {
      throw badRequest(
        `${found.displayName} does not offer ${capability}; choose one of: ${
          deps.integrations
            .list()
            .filter((i) => offers(i, capability))
            .map((i) => i.name)
            .join(', ') || 'none'
        }.`,
      );
    }
  }
  const now = deps.clock.now().toISOString();
  await db.transaction().execute(async (trx) => {
    if (integration === null) {
      await trx
        .deleteFrom('capability_providers')
        .where('workspace_id', '=', actor.workspaceId)
        .where('capability', '=', capability)
        .execute();
    } else {
      const values = { integration, updated_at: now, updated_by: actor.audit.actorId };
      await trx
        .insertInto('capability_providers')
        .values({ workspace_id: actor.workspaceId, capability, ...values })
        .onConflict((oc) => oc.columns(['workspace_id', 'capability']).doUpdateSet(values))
        .execute();
    }
    await recordAudit(
      trx,
      actor.workspaceId,
      actor.audit,
      'provider.choose',
      { targetType: 'capability', targetId: capability, details: { integration } },
      deps.clock,
    );
  });
  return capabilityProviders(deps, actor.workspaceId, capability);
}
