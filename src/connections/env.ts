import type { AnyIntegration } from '../integrations/index.js';
import type { ConnectionDeps } from './deps.js';

/**
 * `BETON_<NAME>_<FIELD>` overrides: the operator's credentials, for the workspace `BETON_WORKSPACE`
 * names: `BETON_STRIPE_API_KEY`,
 * `BETON_POSTHOG_PROJECT_ID`, `BETON_POSTHOG_BASE_URL`. Field names go from camelCase to
 * UPPER_SNAKE. Values from the environment are never stored in the database.
 *
 * @example
 * envVarName('posthog', 'projectId'); // 'BETON_POSTHOG_PROJECT_ID'
 */
export function envVarName(integration: string, field: string): string {
  const snake = field.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
  return `BETON_${integration.toUpperCase()}_${snake}`;
}

export interface EnvOverrides {
  credentials: Record<string, string>;
  settings: Record<string, string>;
  /** `credentials.apiKey`, `settings.baseUrl`: which fields the environment sets. */
  fields: string[];
}

/** The credential and setting values the environment sets for an integration. */
export function envOverrides(integration: AnyIntegration, env: NodeJS.ProcessEnv): EnvOverrides {
  const out: EnvOverrides = { credentials: {}, settings: {}, fields: [] };
  for (const kind of ['credentials', 'settings'] as const) {
    for (const field of Object.keys(integration[kind].shape)) {
      const value = env[envVarName(integration.name, field)];
      if (value !== undefined && value !== '') {
        out[kind][field] = value;
        out.fields.push(`${kind}.${field}`);
      }
    }
  }
  return out;
}

const NONE: EnvOverrides = { credentials: {}, settings: {}, fields: [] };

/**
 * The environment's values for `integration` if they belong to `workspaceId`. They belong to the
 * workspace `BETON_WORKSPACE` names (id or slug) and to no other, so no one — signed up or not —
 * can move or switch off the operator's credentials by creating workspaces. Without
 * `BETON_WORKSPACE` they apply only while the installation has exactly one workspace (the
 * start-up log warns to set it).
 *
 * @example
 * const { credentials } = await workspaceEnvOverrides(rt, stripe, workspaceId);
 */
export async function workspaceEnvOverrides(
  deps: Pick<ConnectionDeps, 'db' | 'logger' | 'config' | 'env'>,
  integration: AnyIntegration,
  workspaceId: string,
): Promise<EnvOverrides> {
  const found = envOverrides(integration, deps.env ?? process.env);
  if (found.fields.length === 0) return found;
  const bound = deps.config.BETON_WORKSPACE;
  if (bound) {
    if (bound === workspaceId) return found;
    const row = await deps.db.kysely
      .selectFrom('workspaces')
      .select('slug')
      .where('id', '=', workspaceId)
      .executeTakeFirst();
    return row?.slug === bound ? found : NONE;
  }
  let count: number;
  try {
    const row = await deps.db.kysely
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    count = Number(row.n);
  } catch {
    // No workspaces table (a bare database in a test): single-tenant.
    return found;
  }
  if (count <= 1) return found;
  deps.logger.warn(
    { integration: integration.name },
    'BETON_<NAME>_<FIELD> credentials ignored: several workspaces exist and BETON_WORKSPACE does not name the one they belong to',
  );
  return NONE;
}

/**
 * A start-up warning when the environment holds integration credentials but no `BETON_WORKSPACE`
 * binds them to a workspace, or null.
 *
 * @example
 * const warning = envCredentialsWarning(registry.list(), process.env, config);
 * if (warning) logger.warn(warning);
 */
export function envCredentialsWarning(
  integrations: readonly AnyIntegration[],
  env: NodeJS.ProcessEnv,
  config: { BETON_WORKSPACE?: string | undefined },
): string | null {
  if (config.BETON_WORKSPACE) return null;
  const names = integrations.flatMap((i) =>
    envOverrides(i, env).fields.map((f) => envVarName(i.name, f.split('.')[1]!)),
  );
  if (names.length === 0) return null;
  return `${names.join(', ')} set without BETON_WORKSPACE: they apply only while this installation has exactly one workspace. Set BETON_WORKSPACE to the workspace (id or slug) they belong to.`;
}
