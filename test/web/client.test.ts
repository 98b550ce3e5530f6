import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, request } from '../../web/src/api/client.js';
import { durationBetween, formatDuration, formatRelative, humanize } from '../../web/src/lib/format.js';

let server: http.Server;
let base: string;
const seen: { method: string; url: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body });
      if (req.url?.startsWith('/ok')) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ echo: body }));
      } else if (req.url?.startsWith('/empty')) {
        res.writeHead(204).end();
      } else if (req.url?.startsWith('/refused')) {
        res.writeHead(400, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: {
              code: 'invalid_credentials',
              message: 'Stripe rejected the credentials: Invalid API Key provided.',
              details: [{ path: 'credentials.apiKey', message: 'rejected' }],
            },
          }),
        );
      } else {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad gateway</html>');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('the web app’s API client', () => {
  it('fills path parameters encoded, drops empty query values, and sends JSON', async () => {
    const answer = await request<{ echo: string }>('post', `${base}/ok/{name}`, {
      params: { name: 'a b/c' },
      query: { limit: 5, q: '', grade: ['M100', 'M75'], skip: undefined },
      body: { full: true },
    });
    expect(seen.at(-1)).toEqual({
      method: 'POST',
      url: '/ok/a%20b%2Fc?limit=5&grade=M100&grade=M75',
      body: '{"full":true}',
    });
    expect(answer.echo).toBe('{"full":true}');
  });

  it('turns the server’s error body into an ApiError with its code, message and details', async () => {
    const error = await request('put', `${base}/refused`, { body: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_credentials',
      message: 'Stripe rejected the credentials: Invalid API Key provided.',
      details: [{ path: 'credentials.apiKey', message: 'rejected' }],
    });
  });

  it('explains an answer that is not Beton’s JSON (a proxy page) and a missing server', async () => {
    const proxy = await request('get', `${base}/proxy`).catch((e: unknown) => e);
    expect(proxy).toMatchObject({ status: 502, code: 'http_error' });
    expect((proxy as Error).message).toContain('Check the Beton server log');

    const down = await request('get', 'http://127.0.0.1:1/nothing').catch((e: unknown) => e);
    expect(down).toMatchObject({ status: 0, code: 'network_error' });
  });

  it('answers undefined for 204 and refuses a missing path parameter', async () => {
    expect(await request('delete', `${base}/empty`)).toBeUndefined();
    await expect(request('get', `${base}/ok/{id}`, { params: {} })).rejects.toThrow(
      'Missing path parameter "id"',
    );
  });
});

describe('formatting', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it('reads times relative to now, both ways', () => {
    expect(formatRelative('2025-03-01T11:59:30Z', now)).toBe('just now');
    expect(formatRelative('2025-03-01T11:55:00Z', now)).toBe('5 min ago');
    expect(formatRelative('2025-02-27T12:00:00Z', now)).toBe('2 d ago');
    expect(formatRelative('2025-03-01T15:00:00Z', now)).toBe('in 3 h');
    expect(formatRelative(null, now)).toBe('never');
  });

  it('reads durations and keys the way a person writes them', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(72_000)).toBe('1 min 12 s');
    expect(formatDuration(durationBetween('2025-03-01T10:00:00Z', '2025-03-01T12:05:00Z'))).toBe('2 h 5 min');
    expect(humanize('apiKey')).toBe('API key');
    expect(humanize('baseUrl')).toBe('Base URL');
    expect(humanize('usage_spike')).toBe('Usage spike');
  });
});
