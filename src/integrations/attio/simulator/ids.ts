import { createHash } from 'node:crypto';

/**
 * Deterministic UUID-shaped ids from a seed and a counter, so a seeded simulator hands out the same
 * ids on every start (tests and the demo can refer to them) while still looking like Attio's.
 *
 * @example
 * const next = uuidSequence('attio:demo');
 * next(); // '3f1c…-…' (same on every run)
 */
export function uuidSequence(seed: string): () => string {
  let n = 0;
  return () => {
    const h = createHash('sha256').update(`${seed}:${n++}`).digest('hex');
    const variant = ((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  };
}
