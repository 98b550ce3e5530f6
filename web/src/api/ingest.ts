/**
 * The ingest endpoint of an integration senders push to (`/api/v1/integrations/{name}/ingest`):
 * its URLs, write keys (a new key is in the create answer only) and the calls received and rejected.
 *
 * @example
 * const { ingest } = await ingestApi.status('acme');
 * const { key } = await ingestApi.createKey('acme'); // key.key shown once
 */
import { request } from './client.js';

export interface WriteKey {
  id: string;
  prefix: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface IngestStatus {
  integration: string;
  connectionId: string;
  paths: string[];
  host: string | null;
  calls: string[];
  limits: { callBytes: number; requestBytes: number; requestsPerSecond: number };
  keys: WriteKey[];
  counts: {
    received: number;
    duplicates: number;
    rejected: number;
    unattributed: number;
    lastReceivedAt: string | null;
    lastRejectedAt: string | null;
    lastRejectReason: string | null;
  };
  snippet: string | null;
}

const base = (name: string) => `/api/v1/integrations/${encodeURIComponent(name)}/ingest`;

export const ingestApi = {
  status: (name: string) => request<{ ingest: IngestStatus }>('get', base(name)),
  createKey: (name: string) => request<{ key: WriteKey & { key: string } }>('post', `${base(name)}/keys`),
  revokeKey: (name: string, id: string) =>
    request<{ key: WriteKey }>('delete', `${base(name)}/keys/${encodeURIComponent(id)}`),
};

export const ingestKeys = { status: (name: string) => ['integrations', name, 'ingest'] as const };
