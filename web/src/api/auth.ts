/**
 * Sign-up, sign-in, sign-out and workspace switching go to better-auth (mounted by the API at
 * /api/auth) through its official client; everything else goes through `api` in ./client.ts.
 * Each helper throws an `ApiError` with better-auth's message so screens show one kind of error.
 *
 * @example
 * await signIn({ email: 'ana@example.com', password: 'correct horse battery' });
 */
import { organizationClient } from 'better-auth/client/plugins';
import { createAuthClient } from 'better-auth/react';
import { ApiError } from './client.js';

export const authClient = createAuthClient({
  basePath: '/api/auth',
  plugins: [organizationClient()],
  // Beton's own queries decide when to refetch; better-auth's session atom is not used.
  sessionOptions: { refetchOnWindowFocus: false },
});

type AuthResult<T> = { data: T | null; error: { status: number; message?: string; code?: string } | null };

/** Turn better-auth's `{data, error}` into a value or an `ApiError` with a message a person can act on. */
async function unwrap<T>(call: Promise<AuthResult<T>>, fallback: string): Promise<T> {
  let result: AuthResult<T>;
  try {
    result = await call;
  } catch {
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the Beton server. Check that it is running, then retry.',
    );
  }
  if (result.error) {
    const { status, code, message } = result.error;
    if (status === 429) {
      throw new ApiError(
        429,
        'rate_limited',
        message || 'Too many attempts from this address. Wait a minute, then try again.',
      );
    }
    throw new ApiError(status, code ?? 'auth_error', message || fallback);
  }
  return result.data as T;
}

export function signIn(input: { email: string; password: string }) {
  return unwrap(authClient.signIn.email(input), 'Sign-in failed. Check the email and password.');
}

export function signUp(input: { name: string; email: string; password: string }) {
  return unwrap(authClient.signUp.email(input), 'Sign-up failed. Check the form and try again.');
}

export function signOut() {
  return unwrap(authClient.signOut(), 'Sign-out failed. Reload the page and try again.');
}

/** Make `workspaceId` the session's active workspace; every `/api/v1` answer is then about it. */
export function setActiveWorkspace(workspaceId: string) {
  return unwrap(
    authClient.organization.setActive({ organizationId: workspaceId }),
    'Could not switch workspace. Reload the page and try again.',
  );
}

/** Create a workspace owned by the signed-in user and make it active. */
export async function createWorkspace(input: { name: string; slug: string }) {
  const workspace = await unwrap(
    authClient.organization.create(input),
    'Could not create the workspace. Try another name.',
  );
  if (workspace) await setActiveWorkspace(workspace.id);
  return workspace;
}
