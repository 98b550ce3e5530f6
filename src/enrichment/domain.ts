/**
 * `acme.com` from `https://www.Acme.com/about`: the bare, lower-case host a cached answer is kept
 * under. Providers may normalise further for their lookups (`normalizeDomain` of the capability).
 *
 * @example
 * bareDomain(' https://www.Acme.com/pricing?x=1 '); // 'acme.com'
 */
export function bareDomain(input: string): string {
  return input
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#].*$/, '')
    .replace(/^www\./, '');
}
