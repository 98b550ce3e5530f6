import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { UnsafeUrlError } from './errors.js';

/**
 * The SSRF guard for user-supplied base URLs (self-hosted PostHog, proxies): only https, only public
 * addresses. Every address a host resolves to is checked, on every request and every redirect, so a
 * name that points at a private network (or the cloud metadata service at 169.254.169.254) is
 * refused. `BETON_ALLOW_PRIVATE_HOSTS=true` lifts the guard for everyone (tests, a trusted
 * single-tenant network); the demo instead grants its own connections their simulator's origin.
 *
 * Blind spot, written down: the name is resolved here and again by fetch, so a DNS server that
 * answers differently within milliseconds (rebinding) could slip past; the short window is accepted.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast: whatever answers there relays into other networks
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
  ['100::', 64], // discard
  // Translation prefixes whose embedded IPv4 address sits where embeddedIpv4 cannot find it (or
  // whose gateway is whoever runs it): refused whole rather than decoded.
  ['64:ff9b:1::', 48], // local-use NAT64 (RFC 8215): the IPv4 address may sit at any offset
  ['::ffff:0:0:0', 96], // SIIT IPv4-translated (RFC 2765): ::ffff:0:a.b.c.d
  ['2001::', 32], // Teredo: the client's IPv4 address is obfuscated inside
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The IPv4 address embedded in an IPv6 one (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::, 6to4 2002::), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const groups = expandIpv6(lower);
  if (!groups) return undefined;
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const isNat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  const isCompat = groups.slice(0, 6).every((g) => g === 0) && (groups[6] !== 0 || (groups[7] ?? 0) > 1);
  if (isMapped || isNat64 || isCompat) return quadFrom(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return quadFrom(groups[1]!, groups[2]!);
  return undefined;
}

function quadFrom(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

function expandIpv6(address: string): number[] | undefined {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...new Array(Math.max(0, fill)).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/** True for loopback, private, link-local, metadata, ULA, multicast and reserved addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4) return blocked.check(v4, 'ipv4');
    return blocked.check(address, 'ipv6');
  }
  return true;
}

export interface UrlGuardOptions {
  allowPrivateHosts: boolean;
  /**
   * Exact origins (`http://127.0.0.1:43117`) allowed although private: the demo's simulators,
   * granted per connection by the server (src/connections/private-hosts.ts), never by a user.
   */
  privateOrigins?: readonly string[];
  /** Resolve a host name to its addresses (tests substitute one). */
  resolve?: (host: string) => Promise<string[]>;
}

const resolveAll = async (host: string) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuse a URL Beton must not call. Throws UnsafeUrlError saying why and what to do.
 *
 * @example
 * await assertSafeUrl(new URL('https://eu.posthog.com/api/projects/'), { allowPrivateHosts: false });
 * await assertSafeUrl(new URL('http://169.254.169.254/'), { allowPrivateHosts: false }); // throws
 */
export async function assertSafeUrl(url: URL, opts: UrlGuardOptions): Promise<void> {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UnsafeUrlError(`Only https URLs are allowed (got ${url.protocol}//${url.host}).`);
  }
  // Checked even on a private network: a password in a URL would be stored and shown as a setting.
  if (url.username || url.password) {
    throw new UnsafeUrlError(
      'The URL must not carry a user name or password; put the key in the credentials.',
    );
  }
  if (opts.allowPrivateHosts || opts.privateOrigins?.includes(url.origin)) return;
  if (url.protocol !== 'https:') {
    throw new UnsafeUrlError(
      `Only https URLs are allowed (got http://${url.host}). Use https, or set BETON_ALLOW_PRIVATE_HOSTS=true for a local test service.`,
    );
  }
  await assertPublicAddresses(url.hostname, opts, {
    what: 'the baseUrl setting',
    refused: 'Beton only calls public https services',
  });
}

/**
 * The same guard for a client that does not speak HTTP (a database): the host must resolve only to
 * public addresses, unless private hosts are allowed or `scheme://host:port` was granted exactly
 * (`privateOrigins`). A host that is not a name or an address (a Unix socket path) is refused too.
 *
 * @example
 * await assertSafeHost('db.example.com', 5432, { allowPrivateHosts: false }, 'postgres');
 * await assertSafeHost('10.0.0.5', 5432, { allowPrivateHosts: false }, 'postgres'); // throws
 */
export async function assertSafeHost(
  host: string,
  port: number,
  opts: UrlGuardOptions,
  scheme: string,
): Promise<void> {
  const bare = host.replace(/^\[|\]$/g, '');
  const origin = `${scheme}://${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`;
  if (opts.allowPrivateHosts || opts.privateOrigins?.includes(origin)) return;
  if (bare === '' || bare.includes('/')) {
    throw new UnsafeUrlError(
      `"${host}" is not a host name or address (a local socket?); give the database's network host.`,
    );
  }
  await assertPublicAddresses(bare, opts, {
    what: 'the host',
    refused: 'Beton only connects to public hosts',
  });
}

/** Resolve `host` (unless it is an address) and refuse it when any address is private. */
async function assertPublicAddresses(
  hostname: string,
  opts: UrlGuardOptions,
  words: { what: string; refused: string },
): Promise<void> {
  const host = hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  if (isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = await (opts.resolve ?? resolveAll)(host);
    } catch {
      throw new UnsafeUrlError(`The host ${host} does not resolve; check ${words.what}.`);
    }
  }
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined || addresses.length === 0) {
    throw new UnsafeUrlError(
      `${host} points to a private or reserved address (${bad ?? 'none'}); ${words.refused}. Set BETON_ALLOW_PRIVATE_HOSTS=true to allow hosts on your own network.`,
    );
  }
}
