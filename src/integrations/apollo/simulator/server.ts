import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dataset } from '../../../simulators/dataset/types.js';
import { createSimServer, type Knobs, type SimServer } from '../../../simulators/kit/index.js';
import { CreditLedger } from './ledger.js';
import { ApolloLimiter, type ApolloPlan, PLAN_LIMITS, type WindowLimits } from './limits.js';
import { type ApolloPerson, type ApolloWorld, apolloWorldFromDataset, nameAtDomainKey } from './world.js';

/** An API key the simulator accepts, on a plan; `inaccessible` endpoints answer 403 `API_INACCESSIBLE`. */
export interface ApolloKey {
  apiKey: string;
  plan?: ApolloPlan;
  /** Endpoints (e.g. `organizations/bulk_enrich`) the key's plan may not call. */
  inaccessible?: string[];
  /** Keys of one team share limits and credits (default: the key is its own team). */
  team?: string;
}

export interface ApolloSimOptions {
  knobs?: Partial<Knobs>;
  keys?: ApolloKey[];
  /** What Apollo knows: from the dataset (firmographics and people), or given directly. */
  dataset?: Pick<Dataset, 'firmographics' | 'people' | 'companyById'>;
  world?: ApolloWorld;
  /** Override a plan's windows (tests of the limit edges). */
  limits?: Partial<Record<ApolloPlan, WindowLimits>>;
  /**
   * Whether a 429 carries `Retry-After` (seconds). Apollo's docs do not say; the client must cope
   * with both, so the simulator offers both. Default: absent.
   */
  retryAfterOn429?: boolean;
  /** `GET /auth/health` answers (default) or 404s, for the client's fallback. */
  authHealth?: boolean;
  /** The clock the windows count on (default: wall clock; tests move a fake one). */
  now?: () => number;
}

export const DEFAULT_APOLLO_KEY = 'apollo_sim_key_0001';

export interface ApolloSimulator extends SimServer {
  readonly world: ApolloWorld;
  /** Credits spent per team. */
  ledger(team?: string): CreditLedger;
}

const ENRICH_CREDITS = 1;
const PERSON_CREDITS = 1;
const PHONE_CREDITS = 8;

/**
 * Start an Apollo simulator (call `listen()`): organization enrich (single and bulk of 10), people
 * match (single and bulk), fixed-window limits by plan with Apollo's headers, a credit ledger
 * (1 per company found, 0 when nothing is found) and Apollo's error bodies, whose field names vary
 * (`error`, `message`, `error_message`, sometimes `error_code`) as the real service's do.
 *
 * @example
 * const apollo = createApolloSimulator({ dataset, keys: [{ apiKey: 'k', plan: 'free' }] });
 * const url = await apollo.listen(); // client base URL: `${url}/api/v1`
 * apollo.ledger().spent;            // credits used so far
 */
export function createApolloSimulator(options: ApolloSimOptions = {}): ApolloSimulator {
  const server = createSimServer({
    name: 'apollo',
    ...(options.knobs ? { knobs: options.knobs } : {}),
    faultBody: () => ({ error: 'Something went wrong. Please try again later.' }),
  });
  const world =
    options.world ??
    (options.dataset
      ? apolloWorldFromDataset(options.dataset)
      : { organizationByDomain: new Map(), personByEmail: new Map(), personByNameAtDomain: new Map() });
  const keys = new Map<string, Required<ApolloKey>>();
  for (const k of options.keys ?? [{ apiKey: DEFAULT_APOLLO_KEY, plan: 'professional' as const }]) {
    keys.set(k.apiKey, {
      apiKey: k.apiKey,
      plan: k.plan ?? 'professional',
      inaccessible: k.inaccessible ?? [],
      team: k.team ?? k.apiKey,
    });
  }
  const limiters = new Map<ApolloPlan, ApolloLimiter>();
  const limiter = (plan: ApolloPlan) => {
    let l = limiters.get(plan);
    if (!l) {
      l = new ApolloLimiter({ ...PLAN_LIMITS[plan], ...options.limits?.[plan] }, options.now);
      limiters.set(plan, l);
    }
    return l;
  };
  const ledgers = new Map<string, CreditLedger>();
  const ledger = (team: string) => {
    let l = ledgers.get(team);
    if (!l) {
      l = new CreditLedger();
      ledgers.set(team, l);
    }
    return l;
  };
  const app = server.app;

  /** Authenticate, check the plan can call `endpoint`, count it against the windows. */
  const guard = (endpoint: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const apiKey = request.headers['x-api-key'];
    const key = typeof apiKey === 'string' ? keys.get(apiKey) : undefined;
    if (!key) {
      return reply.code(401).send({
        error: 'Invalid access credentials.',
        ...(apiKey ? {} : { error_message: 'Send your API key in the x-api-key header.' }),
      });
    }
    if (key.inaccessible.includes(endpoint)) {
      return reply.code(403).send({
        error: `api/v1/${endpoint} is not accessible with this api_key on a ${key.plan} plan. Please upgrade your plan from https://app.apollo.io/.`,
        error_code: 'API_INACCESSIBLE',
      });
    }
    if (server.knobs.rateLimits) {
      const decision = limiter(key.plan).check(`${key.team}|${endpoint}`);
      reply.headers(decision.headers);
      if (!decision.allowed) {
        if (options.retryAfterOn429) reply.header('retry-after', String(decision.retryAfterSeconds));
        const { minute, hour, day } = limiter(key.plan).limits;
        return reply.code(429).send({
          message: `The maximum number of api calls allowed for api/v1/${endpoint} is ${minute} times per minute, ${hour} times per hour and ${day} times per day. Please upgrade your plan from https://app.apollo.io/#/settings/plans/upgrade.`,
        });
      }
    }
    request.apolloTeam = key.team;
  };
  const teamOf = (request: FastifyRequest) => request.apolloTeam!;
  const invalid = (reply: FastifyReply, message: string) =>
    reply.code(422).send({ error_message: message, error_code: 'INVALID_PARAMETERS' });
  const normalize = (d: unknown) =>
    typeof d === 'string'
      ? d
          .trim()
          .toLowerCase()
          .replace(/^[a-z]+:\/\//, '')
          .replace(/[/?#].*$/, '')
          .replace(/^www\./, '')
      : '';
  const VALID_DOMAIN = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;

  const enrichOne = (team: string, endpoint: string, domain: string) => {
    const org = world.organizationByDomain.get(domain) ?? null;
    ledger(team).charge(endpoint, domain, org ? ENRICH_CREDITS : 0, new Date(options.now?.() ?? Date.now()));
    return org;
  };

  type Body = Record<string, unknown>;
  type RouteT = { Querystring: Record<string, string>; Body: Body };

  app.get('/api/v1/auth/health', async (request, reply) => {
    if (options.authHealth === false) return reply.code(404).send({ error: 'Not found' });
    const apiKey = request.headers['x-api-key'];
    return { healthy: true, is_logged_in: typeof apiKey === 'string' && keys.has(apiKey) };
  });

  app.get<RouteT>(
    '/api/v1/organizations/enrich',
    { preHandler: guard('organizations/enrich') },
    async (request, reply) => {
      const domain = normalize(request.query.domain);
      if (!VALID_DOMAIN.test(domain))
        return invalid(reply, 'Please provide a valid domain, e.g. domain=apollo.io');
      const org = enrichOne(teamOf(request), 'organizations/enrich', domain);
      return org ? { organization: org } : {};
    },
  );

  app.post<RouteT>(
    '/api/v1/organizations/bulk_enrich',
    { preHandler: guard('organizations/bulk_enrich') },
    async (request, reply) => {
      const raw = request.body?.domains;
      if (!Array.isArray(raw) || raw.length === 0)
        return invalid(reply, 'Please provide domains[] (1 to 10 domains).');
      if (raw.length > 10) return invalid(reply, 'You can enrich at most 10 domains in one request.');
      const domains = [...new Set(raw.map(normalize))];
      if (domains.some((d) => !VALID_DOMAIN.test(d)))
        return invalid(reply, 'Every entry of domains[] must be a domain.');
      const organizations = domains
        .map((d) => enrichOne(teamOf(request), 'organizations/bulk_enrich', d))
        .filter((o) => o !== null);
      return {
        status: 'success',
        error_code: null,
        error_message: null,
        total_requested_domains: raw.length,
        unique_domains: domains.length,
        unique_enriched_records: organizations.length,
        missing_records: domains.length - organizations.length,
        organizations,
      };
    },
  );

  const matchPerson = (team: string, endpoint: string, d: Body): ApolloPerson | null => {
    const email = typeof d.email === 'string' ? d.email.trim().toLowerCase() : '';
    let person = email ? world.personByEmail.get(email) : undefined;
    if (!person) {
      const [first, last] =
        typeof d.first_name === 'string' && typeof d.last_name === 'string'
          ? [d.first_name, d.last_name]
          : typeof d.name === 'string'
            ? [d.name.split(/\s+/)[0] ?? '', d.name.split(/\s+/).slice(1).join(' ')]
            : ['', ''];
      const domain = normalize(d.domain);
      if (first && domain) person = world.personByNameAtDomain.get(nameAtDomainKey(first, last, domain));
    }
    const credits = person ? PERSON_CREDITS + (d.reveal_phone_number === true ? PHONE_CREDITS : 0) : 0;
    ledger(team).charge(
      endpoint,
      email || String(d.name ?? d.first_name ?? ''),
      credits,
      new Date(options.now?.() ?? Date.now()),
    );
    return person ?? null;
  };
  const identifies = (d: Body) =>
    typeof d.email === 'string' ||
    ((typeof d.name === 'string' || typeof d.first_name === 'string') && typeof d.domain === 'string');

  app.post<RouteT>('/api/v1/people/match', { preHandler: guard('people/match') }, async (request, reply) => {
    const body = request.body ?? {};
    if (!identifies(body)) return invalid(reply, 'Provide an email, or a name with a domain.');
    return { person: matchPerson(teamOf(request), 'people/match', body) };
  });

  app.post<RouteT>(
    '/api/v1/people/bulk_match',
    { preHandler: guard('people/bulk_match') },
    async (request, reply) => {
      const details = request.body?.details;
      if (!Array.isArray(details) || details.length === 0)
        return invalid(reply, 'Please provide details[] (1 to 10 people).');
      if (details.length > 10) return invalid(reply, 'You can match at most 10 people in one request.');
      if (!details.every((d) => d && typeof d === 'object' && identifies(d as Body))) {
        return invalid(reply, 'Each entry of details[] needs an email, or a name with a domain.');
      }
      const before = ledger(teamOf(request)).spent;
      const matches = details.map((d) => matchPerson(teamOf(request), 'people/bulk_match', d as Body));
      return {
        status: 'success',
        total_requested_enrichments: details.length,
        unique_enriched_records: matches.filter(Boolean).length,
        missing_records: matches.filter((m) => !m).length,
        credits_consumed: ledger(teamOf(request)).spent - before,
        matches,
      };
    },
  );

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: `Not found: ${request.url.split('?')[0]}` }),
  );
  app.setErrorHandler((error, _request, reply) => {
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status < 500) return reply.code(422).send({ error: (error as Error).message });
    return reply.code(500).send({ error: 'Something went wrong. Please try again later.' });
  });

  return Object.assign(server, {
    world,
    ledger: (team = [...keys.values()][0]?.team ?? DEFAULT_APOLLO_KEY) => ledger(team),
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    apolloTeam?: string;
  }
}
