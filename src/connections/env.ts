import type { AnyIntegration } from '../integrations/index.js';

/**
 * `BETON_<NAME>_<FIELD>` overrides for single-workspace deployments: `BETON_STRIPE_API_KEY`,
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
