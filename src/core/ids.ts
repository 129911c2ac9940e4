import { randomBytes } from 'node:crypto';

/**
 * Sortable, prefixed ids (`prg_01k...`): a millisecond timestamp in Crockford base32 followed by
 * random bits, so ids created later sort later and a prefix says what an id names.
 */
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

let lastTime = 0;
let counter = 0;

export function createId(prefix: string): string {
  const now = Date.now();
  // Within one millisecond a counter keeps ids monotonic in this process.
  counter = now === lastTime ? counter + 1 : 0;
  lastTime = now;
  let time = '';
  let rest = now;
  for (let index = 0; index < 10; index += 1) {
    time = alphabet[rest % 32]! + time;
    rest = Math.floor(rest / 32);
  }
  const sequence = alphabet[(counter >> 5) % 32]! + alphabet[counter % 32]!;
  const random = randomBytes(8);
  let tail = '';
  for (const byte of random) tail += alphabet[byte % 32]!;
  return `${prefix}_${time}${sequence}${tail}`;
}
