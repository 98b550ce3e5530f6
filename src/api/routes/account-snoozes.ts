import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_SNOOZE_DAYS, SNOOZE_DAYS, snoozeSignal, unsnoozeSignal } from '../../alerts/index.js';
import { actorOf } from '../plugins/auth.js';
import { errorResponses, errorSchema, snoozeSchema } from '../schemas.js';

const pairParams = z.strictObject({
  id: z.string().min(1).max(200).describe('account id'),
  key: z.string().min(1).max(120).describe('signal key (usage_drop, custom:…)'),
});

const SEMANTICS =
  'While snoozed, an opening of this signal on this account is recorded as a suppressed alert (reason `snoozed`) instead of a message, and its alerts still waiting (quiet hours, a retry, held for a digest) are held at once; digests leave the pair out of their new signals. Detection, scores, segments, pushes and outbound webhooks are unchanged.';

/** Snoozing one account's alerts for one signal (members write; the account detail shows it). */
export const accountSnoozeRoutes: FastifyPluginAsyncZod = async (app) => {
  const rt = app.runtime;

  app.post(
    '/accounts/:id/signals/:key/snooze',
    {
      config: { access: 'member' },
      schema: {
        tags: ['accounts'],
        summary: `Snooze a signal's alerts for one account (default ${SNOOZE_DAYS} days; a new snooze replaces the old)`,
        description: SEMANTICS,
        params: pairParams,
        body: z
          .strictObject({
            days: z.number().int().min(1).max(MAX_SNOOZE_DAYS).optional().describe(`default ${SNOOZE_DAYS}`),
            note: z.string().max(500).optional().describe('why, for whoever reads the account next'),
          })
          .nullish(),
        response: {
          200: z.object({
            snooze: snoozeSchema,
            alertsHeld: z.number().describe('alerts that were waiting to go out and are now held'),
          }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const body = request.body ?? {};
      return snoozeSignal(rt, actorOf(request), {
        accountId: request.params.id,
        signal: request.params.key,
        days: body.days,
        note: body.note,
      });
    },
  );

  app.delete(
    '/accounts/:id/signals/:key/snooze',
    {
      config: { access: 'member' },
      schema: {
        tags: ['accounts'],
        summary: "Lift a signal's snooze for one account now (lifted: null when none was in force)",
        params: pairParams,
        response: {
          200: z.object({ lifted: snoozeSchema.nullable() }),
          404: errorSchema,
          ...errorResponses,
        },
      },
    },
    async (request) =>
      unsnoozeSignal(rt, actorOf(request), { accountId: request.params.id, signal: request.params.key }),
  );
};
