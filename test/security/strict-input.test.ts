import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { duplicateKey } from '../../src/api/plugins/strict-json.js';
import { createTestRuntime, type TestRuntime } from '../support/index.js';

/** Issue 21, finding 17 (part): duplicate JSON keys on role routes, over-long e-mail addresses. */
let t: TestRuntime;
beforeAll(async () => {
  t = await createTestRuntime();
});
afterAll(() => t?.close());

const LONG_EMAIL = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.test`;

describe('duplicate JSON keys', () => {
  it('finds a repeated key at any depth, and nothing in clean documents', () => {
    expect(duplicateKey('{"role":"viewer","role":"owner"}')).toBe('role');
    expect(duplicateKey('{"a":{"b":1,"c":{"d":[1,{"e":1,"e":2}]}}}')).toBe('e');
    expect(duplicateKey('{"a":"\\"a\\"","b":["a","a"],"c":{"a":1}}')).toBeNull();
    expect(duplicateKey('[{"a":1},{"a":2}]')).toBeNull();
  });

  it('are refused with 400 on the routes that grant roles, and change nothing', async () => {
    const members = await t.request('GET', '/api/v1/members', { key: t.keys.owner });
    const viewer = members.json.members.find((m: { role: string }) => m.role === 'viewer');
    const cases: [string, string, string][] = [
      ['POST', '/api/v1/members', '{"email":"dup@beton.test","role":"viewer","role":"owner"}'],
      ['PATCH', `/api/v1/members/${viewer.id}`, '{"role":"viewer","role":"owner"}'],
      ['POST', '/api/v1/api-keys', '{"name":"k","role":"viewer","role":"owner"}'],
      ['POST', '/api/v1/invitations/accept', '{"token":"a","token":"b"}'],
    ];
    for (const [method, path, rawBody] of cases) {
      const res = await t.request(method, path, {
        key: t.keys.owner,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status, path).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'bad_request', message: expect.stringContaining('"') });
    }
    const after = await t.request('GET', '/api/v1/members', { key: t.keys.owner });
    expect(after.json.members.find((m: { id: string }) => m.id === viewer.id).role).toBe('viewer');
    const invitations = await t.request('GET', '/api/v1/invitations', { key: t.keys.owner });
    expect(invitations.json.invitations).toEqual([]);
  });

  it('still refuses malformed JSON and prototype poisoning there', async () => {
    for (const rawBody of ['{"email":', '{"email":"x@y.test","role":"viewer","__proto__":{"x":1}}']) {
      const res = await t.request('POST', '/api/v1/members', {
        key: t.keys.owner,
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    }
  });
});

describe('e-mail addresses over 254 characters', () => {
  it('are refused at sign-up, sign-in and invitations', async () => {
    expect(LONG_EMAIL.length).toBeGreaterThan(254);
    for (const path of ['/api/auth/sign-up/email', '/api/auth/sign-in/email']) {
      const res = await t.request('POST', path, {
        body: { email: LONG_EMAIL, password: 'long-enough-password', name: 'L' },
        headers: { origin: t.baseUrl },
      });
      expect(res.status, path).toBe(400);
      expect(res.json.message).toMatch(/254/);
    }
    const invite = await t.request('POST', '/api/v1/members', {
      key: t.keys.owner,
      body: { email: LONG_EMAIL, role: 'viewer' },
    });
    expect(invite.status).toBe(400);
  });
});
