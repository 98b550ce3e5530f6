import type { Clock } from '../core/clock.js';
import {
  assertSafeHost,
  credentialFingerprint,
  HttpClient,
  type RetryPolicy,
  sharedBudget,
} from '../core/http/index.js';
import type { Logger } from '../core/logger.js';
import type { AnyIntegration } from './sdk.js';

export interface ClientTarget {
  workspaceId: string;
  connectionId: string;
  credentials: Record<string, unknown>;
  settings: Record<string, unknown>;
}

export interface ClientEnvironment {
  logger: Logger;
  clock: Clock;
  allowPrivateHosts: boolean;
  /** Private origins this connection was granted by the server (the demo's simulators). */
  privateOrigins?: readonly string[];
  /** Retry and timeout overrides (tests use small caps). */
  http?: { retry?: Partial<RetryPolicy>; timeoutMs?: number };
}

/**
 * Build an integration's client for one connection: the HttpClient bound to its base URL, auth
 * headers and the credential's shared rate budget, then the integration's own `client(ctx)`.
 *
 * @example
 * const { client, http } = createIntegrationClient(stripe, { workspaceId, connectionId, credentials, settings }, env);
 * await stripe.validate(client);
 */
export function createIntegrationClient(
  integration: AnyIntegration,
  target: ClientTarget,
  env: ClientEnvironment,
): { client: unknown; http: HttpClient } {
  const { credentials, settings } = target;
  const baseUrl = baseUrlOf(integration, settings);
  const secrets = integration.secretFields
    .map((field) => credentials[field])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  const logger = env.logger.child({ integration: integration.name, connectionId: target.connectionId });
  const http = new HttpClient({
    integration: integration.name,
    baseUrl,
    headers: integration.auth(credentials, settings),
    secrets,
    budget: sharedBudget(
      integration.name,
      credentialFingerprint(integration.name, credentials),
      integration.rateLimit,
    ),
    allowPrivateHosts: env.allowPrivateHosts,
    ...(env.privateOrigins?.length ? { privateOrigins: env.privateOrigins } : {}),
    logger,
    clock: env.clock,
    ...(env.http?.retry ? { retry: env.http.retry } : {}),
    ...(env.http?.timeoutMs ? { timeoutMs: env.http.timeoutMs } : {}),
  });
  const client = integration.client({
    credentials,
    settings,
    http,
    assertSafeHost: (host, port, scheme) =>
      assertSafeHost(
        host,
        port,
        {
          allowPrivateHosts: env.allowPrivateHosts,
          ...(env.privateOrigins?.length ? { privateOrigins: env.privateOrigins } : {}),
        },
        scheme,
      ),
    logger,
    clock: env.clock,
    connectionId: target.connectionId,
    workspaceId: target.workspaceId,
  });
  return { client, http };
}

/**
 * Where a connection's requests go: its `baseUrl` setting, else the integration's default (which
 * may depend on the settings, e.g. a cloud region).
 *
 * @example
 * baseUrlOf(acme, { region: 'eu' }); // 'https://eu.acme.example'
 */
export function baseUrlOf(integration: AnyIntegration, settings: Record<string, unknown>): string {
  if (typeof settings.baseUrl === 'string' && settings.baseUrl) return settings.baseUrl;
  const fallback = integration.defaultBaseUrl;
  return typeof fallback === 'function' ? fallback(settings) : fallback;
}
