import type { StreamDefinition } from '../sdk.js';
import type { AttioClient } from './client.js';
import type { AttioRecord, AttioWorkspaceMember } from './types.js';

/** Where a pass over an object stands: the offset of the next page. */
export interface OffsetState {
  offset: number;
}

/**
 * A full pass over one Attio object, 500 records a page. Attio's query has no "changed since"
 * filter, so every run re-reads the object; the engine counts unchanged payloads and marks records
 * no longer seen as deleted. Blind spot: a record created while the pass runs can shift offsets by
 * one, so a record may be seen twice (harmless: upserts by id) or on the next run.
 *
 * Reference: https://docs.attio.com/rest-api/endpoint-reference/records/list-records
 */
function objectStream(object: 'companies' | 'people', description: string) {
  const stream: StreamDefinition<AttioClient, AttioRecord, OffsetState> = {
    description,
    externalId: (record) => record.id.record_id,
    cursor: 'none',
    deletes: 'full-refresh',
    async *read(client, state, ctx) {
      for await (const page of client.records(object, undefined, {
        from: state?.offset ?? 0,
        signal: ctx.signal,
      })) {
        yield {
          records: page.records,
          state: { offset: page.next ?? page.offset + page.records.length },
          done: page.next === null,
        };
      }
    },
  };
  return stream;
}

/** Companies with their values and who set each one (`created_by_actor`): matching and human edits. */
export const companiesStream = objectStream(
  'companies',
  'Every company record with its values and who set each one (matching by domain, and what people edited).',
);

/** People, for matching persons to companies and seeing titles people typed in. */
export const peopleStream = objectStream(
  'people',
  'Every person record with its values and who set each one.',
);

/**
 * The workspace's members, read whole each run (Attio answers them in one unpaged list): whom a
 * company's `owner` refers to. Scope `user_management:read`.
 *
 * Reference: https://docs.attio.com/rest-api/endpoint-reference/workspace-members/list-workspace-members
 */
export const workspaceMembersStream: StreamDefinition<AttioClient, AttioWorkspaceMember, null> = {
  description: 'Every workspace member (name, e-mail): the people companies are assigned to as owner.',
  externalId: (member) => member.id.workspace_member_id,
  cursor: 'none',
  deletes: 'full-refresh',
  async *read(client, _state, ctx) {
    yield { records: await client.workspaceMembers(ctx.signal), state: null, done: true };
  },
};
