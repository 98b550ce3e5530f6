import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertSafeUrl, HttpClient, isPrivateAddress, UnsafeUrlError } from '../../src/core/http/index.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/**
 * The SSRF guard on user-supplied base URLs, with BETON_ALLOW_PRIVATE_HOSTS=false: every private,
 * loopback, link-local, metadata and reserved address in every spelling (IPv4-mapped IPv6,
 * decimal, octal, hex, short forms), non-https schemes, credentials in the URL, a name that
 * resolves to a private address (an injected resolver), and a redirect to a private host are
 * refused with a clear 400 — and the private service is never called.
 */

/** A service on loopback that counts what reaches it: it must stay at zero. */
let canary: http.Server;
let canaryHits = 0;
let canaryPort = 0;
let t: TestRuntime;

beforeAll(async () => {
  canary = http.createServer((_req, res) => {
    canaryHits++;
    res.end('{}');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as AddressInfo).port;
  t = await createTestRuntime({ env: { BETON_ALLOW_PRIVATE_HOSTS: 'false' } });
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => canary.close(r));
});

/** Private targets, each as a user might type it. */
const privateUrls = (port: number) => [
  `https://127.0.0.1:${port}/`,
  `https://localhost:${port}/`,
  `https://LOCALHOST.:${port}/`,
  `https://[::1]:${port}/`,
  `https://[::ffff:127.0.0.1]:${port}/`,
  `https://[::ffff:7f00:1]:${port}/`,
  `https://[0:0:0:0:0:ffff:7f00:0001]:${port}/`,
  `https://2130706433:${port}/`,
  `https://0177.0.0.1:${port}/`,
  `https://0x7f.0.0.1:${port}/`,
  `https://0x7f000001:${port}/`,
  `https://127.1:${port}/`,
  `https://0.0.0.0:${port}/`,
  'https://10.0.0.1/',
  'https://172.16.5.4/',
  'https://172.31.255.255/',
  'https://192.168.1.1/',
  'https://100.64.0.1/',
  'https://169.254.169.254/latest/meta-data/',
  'https://[::ffff:169.254.169.254]/',
  'https://[::ffff:a9fe:a9fe]/',
  'https://2852039166/',
  'https://[64:ff9b::a9fe:a9fe]/',
  'https://[2002:a9fe:a9fe::1]/',
  'https://[::a9fe:a9fe]/',
  'https://[fd00::1]/',
  'https://[fe80::1]/',
  'https://[fec0::1]/',
  'https://[ff02::1]/',
  'https://[::]/',
  'https://224.0.0.1/',
  'https://255.255.255.255/',
  'https://198.18.0.1/',
];

/** Refused for what they are, not where they point. */
const badForms = (port: number) => [
  `http://127.0.0.1:${port}/`,
  'http://example.com/',
  'ftp://example.com/',
  'file:///etc/passwd',
  'gopher://127.0.0.1:6379/_INFO',
  'https://user:secret@example.com/',
];

describe('assertSafeUrl', () => {
  it('refuses every private address in every spelling, before any connection', async () => {
    for (const url of [...privateUrls(canaryPort), ...badForms(canaryPort)]) {
      await expect(assertSafeUrl(new URL(url), { allowPrivateHosts: false }), url).rejects.toBeInstanceOf(
        UnsafeUrlError,
      );
    }
    expect(canaryHits).toBe(0);
  });

  it('checks every address a name resolves to (an injected DNS answer)', async () => {
    const resolving = (answer: string[] | Error) => ({
      allowPrivateHosts: false,
      resolve: async () => {
        if (answer instanceof Error) throw answer;
        return answer;
      },
    });
    const name = new URL('https://crm.customer-proxy.example/');
    for (const answer of [
      ['10.1.2.3'],
      ['93.184.216.34', '127.0.0.1'],
      ['::ffff:169.254.169.254'],
      ['fd12::7'],
      [],
      new Error('ENOTFOUND'),
    ]) {
      await expect(assertSafeUrl(name, resolving(answer)), JSON.stringify(String(answer))).rejects.toThrow(
        /private or reserved|does not resolve/,
      );
    }
    await expect(
      assertSafeUrl(name, resolving(['93.184.216.34', '2606:2800:220:1::1'])),
    ).resolves.toBeUndefined();
  });

  it('refuses credentials in the URL even when private hosts are allowed', async () => {
    await expect(
      assertSafeUrl(new URL(`http://user:pw@127.0.0.1:${canaryPort}/`), { allowPrivateHosts: true }),
    ).rejects.toThrow(/user name or password/);
    await expect(
      assertSafeUrl(new URL(`http://127.0.0.1:${canaryPort}/`), { allowPrivateHosts: true }),
    ).resolves.toBeUndefined();
  });

  it('treats translation and relay prefixes as private (local NAT64, SIIT, Teredo, 6to4 relay)', async () => {
    const translated = [
      '64:ff9b:1::a9fe:a9fe', // local-use NAT64 with the metadata address at the end
      '64:ff9b:1:a9fe:a9fe::', // … or at another offset
      '::ffff:0:a9fe:a9fe', // SIIT, hex
      '::ffff:0:169.254.169.254', // SIIT, dotted
      '::ffff:0:10.0.0.1',
      '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
      '2001::1',
      '192.88.99.1', // 6to4 relay anycast
      '192.88.99.255',
    ];
    for (const address of translated) expect(isPrivateAddress(address), address).toBe(true);
    for (const address of translated.filter((a) => !a.startsWith('192.'))) {
      await expect(
        assertSafeUrl(new URL(`https://[${address}]/`), { allowPrivateHosts: false }),
        address,
      ).rejects.toBeInstanceOf(UnsafeUrlError);
    }
    await expect(
      assertSafeUrl(new URL('https://192.88.99.1/'), { allowPrivateHosts: false }),
    ).rejects.toBeInstanceOf(UnsafeUrlError);
    // Neighbours stay public: the prefixes are exact, not "anything starting with 2001".
    for (const address of [
      '8.8.8.8',
      '::ffff:8.8.8.8',
      '192.88.98.1',
      '2001:4860::8888',
      '2606:2800:220:1::1',
    ]) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });
});

describe('connecting an integration with a hostile baseUrl', () => {
  it('answers a clear 400 for every integration and stores nothing', async () => {
    const names = t.rt.integrations.list().filter((i) => 'baseUrl' in i.settings.shape);
    expect(names.length).toBeGreaterThanOrEqual(4);
    let cases = 0;
    for (const integration of names) {
      for (const baseUrl of [...privateUrls(canaryPort), ...badForms(canaryPort)]) {
        const res = await t.request('PUT', `/api/v1/integrations/${integration.name}`, {
          key: t.keys.admin,
          body: { credentials: { apiKey: 'sk_test_h8ssrf0000000000000000' }, settings: { baseUrl } },
        });
        cases++;
        expect(res.status, `${integration.name} ${baseUrl}: ${res.text}`).toBe(400);
        expect(['unsafe_url', 'validation_failed'], res.text).toContain(res.json.error.code);
        if (res.json.error.code === 'unsafe_url') {
          expect(res.json.error.message).toMatch(
            /private or reserved|only https|user name or password|does not resolve/i,
          );
        }
      }
      const after = await t.request('GET', `/api/v1/integrations/${integration.name}`, { key: t.keys.admin });
      expect(after.json.integration.status).toBe('not_connected');
    }
    expect(cases).toBeGreaterThan(150);
    expect(canaryHits).toBe(0);
  });
});

describe('redirects', () => {
  let tls: { key: Buffer; cert: Buffer };
  const servers: (http.Server | https.Server)[] = [];
  const seen: { port: number; authorization: string | undefined }[] = [];

  /** An https server on loopback (a self-signed certificate; the client is told the name is public). */
  async function httpsServer(handler: http.RequestListener): Promise<number> {
    const server = https.createServer(tls, (req, res) => {
      seen.push({ port: (server.address() as AddressInfo).port, authorization: req.headers.authorization });
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return (server.address() as AddressInfo).port;
  }

  beforeAll(() => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'beton-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    tls = {
      key: fs.readFileSync(path.join(dir, 'key.pem')),
      cert: fs.readFileSync(path.join(dir, 'cert.pem')),
    };
    fs.rmSync(dir, { recursive: true, force: true });
    // Trust the self-signed certificate in this test process only.
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  });
  afterAll(async () => {
    delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  /** 'localhost' stands for a public host; 'internal.h8.test' for a name pointing inside. */
  const resolve = async (host: string) =>
    host === 'localhost' ? ['93.184.216.34'] : host === 'internal.h8.test' ? ['10.20.30.40'] : [];

  it('refuses a redirect to a private host, and does not carry the key to another origin', async () => {
    const other = await httpsServer((_req, res) => res.end('{"ok":"other"}'));
    const port = await httpsServer((req, res) => {
      const to = new URL(req.url!, 'https://x').searchParams.get('to');
      if (to) {
        res.writeHead(302, { location: to });
        return res.end();
      }
      res.end('{"ok":"home"}');
    });
    const client = new HttpClient({
      integration: 'h8',
      baseUrl: `https://localhost:${port}`,
      headers: { authorization: 'Bearer h8-redirect-secret' },
      allowPrivateHosts: false,
      resolve,
      retry: { maxAttempts: 1 },
    });
    const targets = [
      `http://127.0.0.1:${canaryPort}/`,
      `https://127.0.0.1:${canaryPort}/`,
      'https://169.254.169.254/latest/meta-data/iam/',
      'https://[::ffff:127.0.0.1]/',
      'https://2130706433/',
      'https://internal.h8.test/',
      'file:///etc/passwd',
    ];
    for (const to of targets) {
      await expect(client.get('/start', { to }), to).rejects.toBeInstanceOf(UnsafeUrlError);
    }
    expect(canaryHits).toBe(0);

    // Control: a redirect to a public place is followed; the key stays with its own origin.
    expect(await client.get('/start', { to: `https://localhost:${port}/home` })).toEqual({ ok: 'home' });
    expect(await client.get('/start', { to: `https://localhost:${other}/` })).toEqual({ ok: 'other' });
    expect(seen.filter((s) => s.port === other).map((s) => s.authorization)).toEqual([undefined]);
    expect(
      seen.filter((s) => s.port === port).every((s) => s.authorization === 'Bearer h8-redirect-secret'),
    ).toBe(true);
  });
});
