import { describe, expect, it } from 'vitest';
import { assertSafeUrl, isPrivateAddress } from '../../../src/core/http/index.js';

describe('SSRF guard', () => {
  it('knows private, loopback, link-local, metadata, ULA and mapped addresses', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '2002:7f00:1::',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:1.1.1.1']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  const strict = (resolve: (host: string) => Promise<string[]>) => ({ allowPrivateHosts: false, resolve });
  const resolvesTo =
    (...addresses: string[]) =>
    async () =>
      addresses;

  it('allows https to public hosts', async () => {
    await expect(
      assertSafeUrl(new URL('https://us.posthog.com/api/'), strict(resolvesTo('93.184.216.34'))),
    ).resolves.toBeUndefined();
  });

  it('refuses http, private literals, and names that resolve privately (any of their addresses)', async () => {
    const cases: Array<[string, string[]]> = [
      ['http://us.posthog.com/', ['93.184.216.34']],
      ['https://169.254.169.254/latest/meta-data/', []],
      ['https://[::1]/', []],
      ['https://[::ffff:127.0.0.1]/', []],
      ['https://2130706433/', []],
      ['https://internal.example.com/', ['93.184.216.34', '10.0.0.5']],
      ['https://user:pass@us.posthog.com/', ['93.184.216.34']],
      ['file:///etc/passwd', []],
    ];
    for (const [url, addresses] of cases) {
      await expect(assertSafeUrl(new URL(url), strict(resolvesTo(...addresses))), url).rejects.toMatchObject({
        code: 'unsafe_url',
        status: 400,
      });
    }
  });

  it('says what to do about a host that does not resolve', async () => {
    const error = await assertSafeUrl(
      new URL('https://nope.invalid/'),
      strict(async () => {
        throw new Error('ENOTFOUND');
      }),
    ).catch((e) => e);
    expect(error.message).toContain('does not resolve');
  });

  it('lets everything through with BETON_ALLOW_PRIVATE_HOSTS', async () => {
    await expect(
      assertSafeUrl(new URL('http://127.0.0.1:4010/'), { allowPrivateHosts: true }),
    ).resolves.toBeUndefined();
  });
});
