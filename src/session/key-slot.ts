/**
 * Redis Cluster hash slots (CRC16/XMODEM of the key's hash tag, mod 16384)
 * and, for every slot, a short string that hashes to it: keys tagged with it
 * live on that slot, which is how the per-slot index, counters and ssid index
 * of cluster mode share a slot with the accounts they describe.
 */

/** Number of hash slots of a Redis Cluster. */
export const SLOTS = 16384;

const table = new Uint16Array(256);
for (let i = 0; i < 256; i++) {
  let c = i << 8;
  for (let j = 0; j < 8; j++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
  table[i] = c;
}

function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const b of bytes) crc = ((crc << 8) & 0xffff) ^ table[((crc >> 8) ^ b) & 0xff]!;
  return crc;
}

/** The hash slot of a key, as Redis Cluster computes it (the first non-empty `{…}` tag, if any). */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(key, 'utf8')) % SLOTS;
}

let tags: string[] | undefined;

/** A short string (base-36 digits) whose hash slot is `slot`; the same on every node. */
export function slotTag(slot: number): string {
  if (!tags) {
    const found: string[] = new Array<string>(SLOTS);
    let left = SLOTS;
    for (let i = 0; left > 0; i++) {
      const candidate = i.toString(36);
      const s = crc16(Buffer.from(candidate, 'latin1')) % SLOTS;
      if (found[s] === undefined) {
        found[s] = candidate;
        left--;
      }
    }
    tags = found;
  }
  return tags[slot]!;
}
