/**
 * Company identity is a domain. These helpers turn whatever a source holds (a URL, an email, a
 * group key) into one normalised domain, and refuse the domains that identify a mailbox provider
 * rather than a company.
 */

/** Mailbox providers: an address there says nothing about the person's company. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'yahoo.co.uk',
  'yahoo.fr',
  'yahoo.de',
  'ymail.com',
  'rocketmail.com',
  'hotmail.com',
  'hotmail.co.uk',
  'hotmail.fr',
  'outlook.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'gmx.com',
  'gmx.de',
  'gmx.net',
  'web.de',
  'mail.com',
  'mail.ru',
  'yandex.com',
  'yandex.ru',
  'qq.com',
  '163.com',
  '126.com',
  'zoho.com',
  'fastmail.com',
  'hey.com',
  'tutanota.com',
  'comcast.net',
  'orange.fr',
  'free.fr',
  'laposte.net',
  't-online.de',
]);

const HOSTNAME = /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$/;

/**
 * Normalise a domain-ish value: lowercase, no scheme, path, port, `www.` or trailing dot. Returns
 * null when what is left is not a hostname with a dot.
 *
 * @example normalizeDomain('https://www.Acme.io/pricing') // 'acme.io'
 */
export function normalizeDomain(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let host = value.trim().toLowerCase();
  if (!host) return null;
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  host = host.split(/[/?#]/, 1)[0]!;
  host = host.replace(/^.*@/, '').replace(/:\d+$/, '').replace(/\.$/, '');
  if (host.startsWith('www.')) host = host.slice(4);
  return HOSTNAME.test(host) ? host : null;
}

/** The domain of an email address, or null when it has none. @example emailDomain('a@b.io') // 'b.io' */
export function emailDomain(email: unknown): string | null {
  if (typeof email !== 'string') return null;
  const at = email.lastIndexOf('@');
  return at > 0 ? normalizeDomain(email.slice(at + 1)) : null;
}

export const isFreeMailDomain = (domain: string): boolean => FREE_MAIL_DOMAINS.has(domain);

/** The company domain of an email, or null for free-mail and malformed addresses. */
export function companyDomainOfEmail(email: unknown): string | null {
  const domain = emailDomain(email);
  return domain && !isFreeMailDomain(domain) ? domain : null;
}

export const normalizeEmail = (email: unknown): string | null =>
  typeof email === 'string' && email.includes('@') ? email.trim().toLowerCase() : null;
