/**
 * The bound on the text fields of presence events (AdmEvent, the section 12
 * event JSON): a refused AUTH may carry a name of up to max_frame bytes, and
 * each event goes to every ADMSUB subscriber, every event stream, every
 * webhook and, in cluster mode, through Redis to every node. The fields of a
 * REJECTED event longer than max_field_bytes (those of sessions never are)
 * are cut at a character boundary and end with TRUNCATED_MARK.
 */

/** What ends a field that was cut. */
export const TRUNCATED_MARK = '…[truncated]';

const encoder = new TextEncoder();

/** `s` when it fits `maxBytes` of UTF-8, else its longest prefix that fits with TRUNCATED_MARK after it. */
export function boundEventField(s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes || encoder.encode(s).length <= maxBytes) return s;
  let room = maxBytes - encoder.encode(TRUNCATED_MARK).length;
  let end = 0;
  for (const ch of s) {
    const size = encoder.encode(ch).length;
    if (size > room) break;
    room -= size;
    end += ch.length;
  }
  return s.slice(0, end) + TRUNCATED_MARK;
}
