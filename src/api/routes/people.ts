import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { accountPeople, PEOPLE_SORTS, sortPeople } from '../../people/index.js';
import { SENIORITIES } from '../../signals/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, idParams } from '../schemas.js';

const personSchema = z.object({
  key: z.string().describe('the e-mail, or <integration>:<id> for a person known without one'),
  email: z.string().nullable(),
  name: z.string().nullable(),
  title: z.string().nullable(),
  seniority: z.enum(SENIORITIES).nullable(),
  department: z.string().nullable(),
  firstSeenAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  sources: z.array(
    z.object({ integration: z.string(), source: z.string(), stream: z.string(), id: z.string() }),
  ),
  conflicts: z
    .array(
      z.object({
        field: z.enum(['name', 'title', 'department']),
        values: z.array(z.object({ value: z.string(), sources: z.array(z.string()) })),
      }),
    )
    .describe('fields the sources disagree on, each value with the sources that gave it'),
  nps: z.array(z.object({ at: z.string(), score: z.number() })),
  signals: z
    .array(z.object({ occurrenceId: z.number(), key: z.string(), title: z.string(), occurredAt: z.string() }))
    .describe('signal occurrences whose evidence names this person (a senior signup, an NPS answer)'),
  activity: z.array(
    z.object({ at: z.string(), kind: z.enum(['joined', 'seen', 'nps', 'signal']), text: z.string() }),
  ),
});

/** The people at an account, merged across sources by e-mail. */
export const peopleRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;

  app.get(
    '/accounts/:id/people',
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['accounts'],
        summary:
          'The people at an account: product users, CRM contacts and billing e-mails merged by e-mail, with conflicts and their part in signals',
        params: idParams,
        querystring: z.strictObject({
          sort: z.enum(PEOPLE_SORTS).default('lastSeenAt'),
          order: z.enum(['asc', 'desc']).default('desc'),
        }),
        response: { 200: z.object({ items: z.array(personSchema) }), 404: errorSchema, ...errorResponses },
      },
    },
    async (request) => {
      const people = await accountPeople(
        rt.db.kysely,
        actorOf(request).workspaceId,
        request.params.id,
        rt.integrations,
      );
      return { items: sortPeople(people, request.query.sort, request.query.order) };
    },
  );
};
