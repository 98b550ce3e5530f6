/**
 * The ingest endpoint of an integration senders push to (`/api/v1/integrations/{name}/ingest`):
 * its URLs, write keys (a new key is in the create answer only) and the calls received and rejected.
 *
 * @example
 * const { ingest } = await ingestApi.status('acme');
 * const { key } = await ingestApi.createKey('acme'); // key.key shown once
 */
import { type ResponseOf, request } from './client.js';

/** The shapes come from the generated API types, so they follow the server's schemas. */
export type IngestStatus = ResponseOf<'/api/v1/integrations/{name}/ingest', 'get'>['ingest'];
export type WriteKey = IngestStatus['keys'][number];

const base = (name: string) => `/api/v1/integrations/${encodeURIComponent(name)}/ingest`;

export const ingestApi = {
  status: (name: string) => request<{ ingest: IngestStatus }>('get', base(name)),
  createKey: (name: string) => request<{ key: WriteKey & { key: string } }>('post', `${base(name)}/keys`),
  revokeKey: (name: string, id: string) =>
    request<{ key: WriteKey }>('delete', `${base(name)}/keys/${encodeURIComponent(id)}`),
};

export const ingestKeys = { status: (name: string) => ['integrations', name, 'ingest'] as const };
