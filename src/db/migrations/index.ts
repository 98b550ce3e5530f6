import type { Migration } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0003 from './0003_sync.js';
import * as m0004 from './0004_webhooks.js';
import * as m0005 from './0005_push_enrichment.js';
import * as m0006 from './0006_accounts_signals.js';
import * as m0007 from './0007_scoring_reads.js';
import * as m0008 from './0008_usage_recent.js';
import * as m0009 from './0009_invitations.js';
import * as m0012 from './0012_webhook_rejects.js';
import * as m0013 from './0013_segments.js';
import * as m0018 from './0018_ingest.js';
import * as m0019 from './0019_outbox_alerts.js';
import * as m0020 from './0020_outbound_webhooks.js';
import * as m0021 from './0021_people_lists.js';
import * as m0022 from './0022_account_owners.js';
import * as m0023 from './0023_alert_send_intent.js';
import * as m0024 from './0024_segment_auto_lists.js';
import * as m0025 from './0025_snooze_details.js';

/**
 * Every migration, in order. One set for SQLite and Postgres. Add a file `NNNN_name.ts` exporting
 * `up(db)` and one line here; never edit a migration that has shipped.
 */
export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0003_sync': m0003,
  '0004_webhooks': m0004,
  '0005_push_enrichment': m0005,
  '0006_accounts_signals': m0006,
  '0007_scoring_reads': m0007,
  '0008_usage_recent': m0008,
  '0009_invitations': m0009,
  '0012_webhook_rejects': m0012,
  '0013_segments': m0013,
  '0018_ingest': m0018,
  '0019_outbox_alerts': m0019,
  '0020_outbound_webhooks': m0020,
  '0021_people_lists': m0021,
  '0022_account_owners': m0022,
  '0023_alert_send_intent': m0023,
  '0024_segment_auto_lists': m0024,
  '0025_snooze_details': m0025,
};
