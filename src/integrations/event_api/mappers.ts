/**
 * What the event endpoint's records mean: a group claims its company by its domain trait (or a
 * groupId that is a domain) and owns the account key usage is filed under; a user belongs to their
 * group's account (else their work email's company) and is a person; usage days are declared as
 * fields so the usage ingest aggregates them in SQL, exactly as for any other usage source.
 */
import {
  type Claim,
  companyDomainOfEmail,
  isFreeMailDomain,
  normalizeDomain,
  normalizeEmail,
  type PersonFact,
} from '../../model/index.js';
import type { StreamFacts } from '../sdk.js';
import type { EventsGroup, EventsUsageDay, EventsUser } from './types.js';

/** A group claims the domain of its `domain`/`website` trait, else its groupId when that is a domain. */
export function groupClaim(group: EventsGroup): Claim {
  const domain = normalizeDomain(group.domain) ?? normalizeDomain(group.groupId);
  if (!domain || isFreeMailDomain(domain)) {
    return {
      kind: 'none',
      reason: 'the group call gave no domain trait (send traits.domain or traits.website)',
    };
  }
  return { kind: 'domain', domain, method: 'group' };
}

/** A user follows their group, else the company of a work email. */
export function userClaim(user: EventsUser): Claim {
  const email = normalizeEmail(user.email);
  if (user.groupId) return { kind: 'group_or_email', groupKey: user.groupId, email };
  const domain = companyDomainOfEmail(email);
  if (domain) return { kind: 'domain', domain, method: 'email_domain' };
  return { kind: 'none', reason: email ? 'personal email and no group call' : 'no email and no group call' };
}

export function userFact(user: EventsUser): PersonFact {
  return {
    id: user.id,
    email: normalizeEmail(user.email),
    name: user.name,
    title: user.title,
    department: typeof user.traits.department === 'string' ? user.traits.department : null,
    createdAt: user.firstSeenAt,
    lastSeenAt: user.lastSeenAt,
  };
}

export const groupsFacts: StreamFacts<EventsGroup> = {
  identity: { claim: groupClaim, accountKey: (group) => group.groupId },
  name: { priority: 20, of: (group) => group.name },
  firstSeen: (group) => group.firstSeenAt,
};

export const usersFacts: StreamFacts<EventsUser> = {
  identity: { claim: userClaim, follows: true, email: (user) => normalizeEmail(user.email) },
  people: userFact,
  firstSeen: (user) => user.firstSeenAt,
};

export const usageDailyFacts: StreamFacts<EventsUsageDay> = {
  usage: { key: 'group_key', day: 'day', event: 'event', count: 'count', externalIdKeySeparator: '|' },
};
