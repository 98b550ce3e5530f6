import { z } from 'zod';
import type { ActionDefinition } from '../sdk.js';
import type { AttioClient } from './client.js';
import type { AttioEntry, AttioList, AttioNote, AttioRecord } from './types.js';

/**
 * What Beton does to Attio as a destination, declared so the platform can list it: the
 * destination (destination.ts) makes every write through these, with the connection's client
 * under its write budget.
 */

/** Update the company with this domain, or create it (assert by `domains`). */
export const assertCompany: ActionDefinition<
  AttioClient,
  { domain: string; values: Record<string, unknown> },
  AttioRecord
> = {
  description: 'Update the company with this domain, or create it (assert matching on domains)',
  input: z.object({
    domain: z.string().min(3),
    values: z.record(z.string(), z.unknown()),
  }),
  run: (client, input, ctx) =>
    client.assertRecord('companies', 'domains', { ...input.values, domains: [input.domain] }, ctx.signal),
};

/** Create a company attribute unless it exists (409 counts as in place). */
export const ensureCompanyAttribute: ActionDefinition<
  AttioClient,
  { api_slug: string; title: string; type: 'number' | 'text' | 'timestamp'; description?: string },
  { created: boolean }
> = {
  description: 'Create a company attribute unless it already exists',
  input: z.object({
    api_slug: z.string().regex(/^[a-z][a-z0-9_]*$/),
    title: z.string().min(1),
    type: z.enum(['number', 'text', 'timestamp']),
    description: z.string().optional(),
  }),
  run: (client, input, ctx) =>
    client.ensureAttribute(
      'companies',
      {
        title: input.title,
        api_slug: input.api_slug,
        type: input.type,
        description: input.description ?? null,
        is_required: false,
        is_unique: false,
        is_multiselect: false,
        config: {},
      },
      ctx.signal,
    ),
};

/** A plain-text note on a company. */
export const noteOnCompany: ActionDefinition<
  AttioClient,
  { recordId: string; title: string; content: string },
  AttioNote
> = {
  description: 'Add a plain-text note to a company record',
  input: z.object({ recordId: z.string().min(1), title: z.string().min(1), content: z.string() }),
  run: (client, input, ctx) =>
    client.createNote(
      {
        parent_object: 'companies',
        parent_record_id: input.recordId,
        title: input.title,
        format: 'plaintext',
        content: input.content,
      },
      ctx.signal,
    ),
};

/** A company list open to the workspace (Beton's segment lists). */
export const createCompanyList: ActionDefinition<AttioClient, { name: string; api_slug: string }, AttioList> =
  {
    description: 'Create a list of companies (a segment kept in sync)',
    input: z.object({ name: z.string().min(1).max(200), api_slug: z.string().regex(/^[a-z][a-z0-9_]*$/) }),
    run: (client, input, ctx) => client.createList({ ...input, parent_object: 'companies' }, ctx.signal),
  };

/** Put a company on a list (assert by parent record: one entry per company, never two). */
export const addCompanyToList: ActionDefinition<AttioClient, { list: string; recordId: string }, AttioEntry> =
  {
    description: 'Put a company on a list (assert by parent record)',
    input: z.object({ list: z.string().min(1), recordId: z.string().min(1) }),
    run: (client, input, ctx) =>
      client.assertEntry(
        input.list,
        { parent_object: 'companies', parent_record_id: input.recordId },
        ctx.signal,
      ),
  };

/** Take an entry off a list (an entry already gone counts as removed). */
export const removeListEntry: ActionDefinition<
  AttioClient,
  { list: string; entryId: string },
  { deleted: boolean }
> = {
  description: 'Take an entry off a list',
  input: z.object({ list: z.string().min(1), entryId: z.string().min(1) }),
  run: (client, input, ctx) => client.deleteEntry(input.list, input.entryId, ctx.signal),
};
