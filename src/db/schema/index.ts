import type { AlertTables } from './alerts.js';
import type { AuthTables } from './auth.js';
import type { CoreTables } from './core.js';
import type { IngestTables } from './ingest.js';
import type { OutboundWebhookTables } from './outbound-webhooks.js';
import type { PushTables } from './push.js';
import type { ScoringTables } from './scoring.js';
import type { SegmentTables } from './segments.js';
import type { SyncTables } from './sync.js';
import type { WebhookTables } from './webhooks.js';

export type * from './alerts.js';
export type * from './auth.js';
export type * from './core.js';
export type * from './ingest.js';
export type * from './outbound-webhooks.js';
export type * from './push.js';
export type * from './scoring.js';
export type * from './segments.js';
export type * from './sync.js';
export type * from './webhooks.js';

/**
 * The whole database as Kysely sees it. Each area declares its tables in its own file here and
 * adds itself to this intersection, so a wrong column name does not compile.
 */
export interface DB
  extends AlertTables,
    AuthTables,
    CoreTables,
    IngestTables,
    OutboundWebhookTables,
    PushTables,
    ScoringTables,
    SegmentTables,
    SyncTables,
    WebhookTables {}
