import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;

/**
 * A random id that sorts in creation order (UUID version 7, RFC 9562): 48 bits of Unix
 * milliseconds, a 12-bit counter that keeps ids made in the same millisecond by this process in
 * order, then 62 random bits. Unlike a table-wide sequence it says nothing about how many rows
 * other workspaces wrote, and it is still a cursor for "newest first" paging.
 *
 * @example
 * timeOrderedId(); // '0193a5f2-7c41-7000-8a3e-5b1f0c2d9e47'
 */
export function timeOrderedId(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    ms = lastMs;
    counter++;
    if (counter > 0xfff) {
      ms = ++lastMs;
      counter = 0;
    }
  } else {
    counter = 0;
  }
  lastMs = ms;
  const bytes = randomBytes(16);
  bytes.writeUIntBE(ms, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
