/**
 * The private addresses a connection may reach, granted by the server itself — never through the
 * API. The demo's simulators listen on 127.0.0.1, which the SSRF guard refuses; rather than lifting
 * the guard for every workspace (BETON_ALLOW_PRIVATE_HOSTS), the demo grants each of its
 * connections the one origin its simulator listens on. A grant names an exact origin (scheme, host
 * and port), so pointing the connection anywhere else on the private network is still refused; it
 * lives in this process and ends with it (the demo grants again on every start).
 */
const grants = new Map<string, readonly string[]>();

/**
 * Let `connectionId` reach `origin` although it is private. Server-side code only (src/demo).
 *
 * @example
 * grantPrivateOrigin(connectionId, 'http://127.0.0.1:43117');
 */
export function grantPrivateOrigin(connectionId: string, origin: string): void {
  grants.set(connectionId, [new URL(origin).origin]);
}

/** The private origins granted to a connection (none for every connection the demo did not make). */
export function privateOriginsOf(connectionId: string): readonly string[] {
  return grants.get(connectionId) ?? [];
}

/** Withdraw a connection's grant (it was disconnected). */
export function revokePrivateOrigins(connectionId: string): void {
  grants.delete(connectionId);
}
