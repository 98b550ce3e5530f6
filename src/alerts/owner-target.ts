import { type MessageTarget, MessagingError, type Messenger } from '../integrations/index.js';
import { parseTargetKey } from './messenger.js';

/**
 * Direct messages to an account's owner. A rule sending to the owner queues its alerts for the
 * target `owner:<e-mail>` (the e-mail the CRM gave the owner); the sender finds that person on the
 * messaging service by e-mail (Slack: `users.lookupByEmail`) and posts to them. Nobody with that
 * e-mail there: the alert fails with `owner_not_found`, saying so, and is never sent elsewhere.
 */

const OWNER = 'owner:';

/**
 * The target key of a direct message to whoever has this e-mail.
 *
 * @example ownerTargetKey('ann@seller.io') // 'owner:ann@seller.io'
 */
export const ownerTargetKey = (email: string) => `${OWNER}${email.toLowerCase()}`;

/** People found per messenger (one sender serves one owner: one lookup per batch, not per alert). */
const found = new WeakMap<Messenger, Map<string, string>>();

/**
 * Where a target key sends: a channel or person as it is; an owner's e-mail as the person with that
 * e-mail on the messaging service. Throws `MessagingError` (`owner_not_found`, permanent) when
 * there is no such person, or the service's own error when the lookup fails.
 *
 * @example await resolveTarget(messenger, 'owner:ann@seller.io') // { kind: 'person', id: 'U0123' }
 */
export async function resolveTarget(messenger: Messenger, key: string): Promise<MessageTarget> {
  if (!key.startsWith(OWNER)) return parseTargetKey(key);
  const email = key.slice(OWNER.length);
  let people = found.get(messenger);
  if (!people) {
    people = new Map();
    found.set(messenger, people);
  }
  let id = people.get(email);
  if (id === undefined) {
    const person = await messenger.findPersonByEmail(email);
    if (!person)
      throw new MessagingError(
        'owner_not_found',
        `Nobody on the messaging service has the owner's e-mail ${email}: invite them (or correct the owner's e-mail in the CRM), then retry the alert; or send this rule to a channel.`,
        { permanent: true, refused: true },
      );
    id = person.id;
    people.set(email, id);
  }
  return { kind: 'person', id };
}
