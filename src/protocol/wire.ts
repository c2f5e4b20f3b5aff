/**
 * The framing of one connection, for either end: which format it speaks
 * (binary protobuf, protobuf-JSON in binary frames, or text mode) and the
 * rules that fix it. A connection whose first message is text is in text mode
 * for life; a binary connection switches to JSON payloads with a JSON-flagged
 * AUTH (PROTOCOL.md sections 1 and 10). A message of the other kind than the
 * connection's is a bad frame (4113).
 */
import { decodeFrame, decodeText, encodeAs, nameOf, type DecodedFrame, type FrameFormat, type UndecodableFrame } from './codec.js';
import type { MessageName } from './messages.js';
import { type Channel, type CodeOf, type PayloadOf } from './type-codes.js';
import type { Messages } from './types.js';

/** A message as it goes on the socket: bytes for a binary frame, a string for a text one. */
export type WireData = Uint8Array | string;

/** One connection's framing: it receives on channel `In` and sends on `Out`. */
export class Wire<In extends Channel, Out extends Channel> {
  /** Unset until the first message either way; then fixed to binary or text (binary may become json). */
  private current: FrameFormat | null;

  /**
   * `authType`: the AUTH / ADMAUTH type code of this socket. `format`: what
   * this end speaks from the start (a client chooses; a server learns it from
   * the first message).
   */
  constructor(
    private readonly inbound: In,
    private readonly outbound: Out,
    private readonly authType: number,
    format: FrameFormat | null = null,
  ) {
    this.current = format;
  }

  /** The format of the connection (null before its first message). */
  get format(): FrameFormat | null {
    return this.current;
  }

  /**
   * Decodes a received message. `mayChooseJson`: a JSON-flagged AUTH may still
   * switch a binary connection to JSON (not once logged in).
   */
  decode(data: Uint8Array | string, mayChooseJson = false): DecodedFrame<In> | UndecodableFrame {
    const text = typeof data === 'string';
    this.current ??= text ? 'text' : 'binary';
    if (text !== (this.current === 'text')) return { type: 0, error: text ? 'text-frame' : 'binary-frame' };
    if (text) return decodeText(this.inbound, data);
    const frame = decodeFrame(this.inbound, data, this.current === 'json');
    // a flagged AUTH chooses JSON even when its payload is bad, so that the client can read the 4113 answering it
    if (frame.json === true && frame.type === this.authType && mayChooseJson) this.current = 'json';
    return frame;
  }

  /** Encodes a message of type code `type` to send. */
  encode<K extends CodeOf<Out>>(type: K, payload: Partial<PayloadOf<Out, K>>): WireData {
    return this.encodeAs(nameOf(this.outbound, type), type, payload);
  }

  /** Encodes a message of a given name under any type code (an AdmAck answering a request of any code). */
  encodeAs<N extends MessageName>(name: N, type: number, payload: Partial<Messages[N]>): WireData {
    const format = (this.current ??= 'binary');
    const flag = format === 'json' && type === this.authType && this.outbound.endsWith('In');
    return encodeAs(name, type, payload, format, flag);
  }
}
