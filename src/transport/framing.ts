/**
 * How a socket's messages become frames and back: the replaceable part of a
 * FramedSocket. BinaryFraming is section 1 of PROTOCOL.md (a type byte, then
 * protobuf or, once the connection chose it, protobuf-JSON); text mode
 * (section 10) plugs in as another Framing.
 */
import { decodeFrame, encodeAdmAck, encodeFrame, type DecodedFrame, type UndecodableFrame } from '../protocol/codec.js';

/** A received message: decoded, or why it could not be. */
export type Frame = DecodedFrame | UndecodableFrame;

/** A frame that is not of this connection's framing (e.g. a text message on a binary connection). */
export const WRONG_FRAMING: UndecodableFrame = { type: 0, error: 'bad-payload' };

/** Reads and writes the frames of one socket. */
export interface Framing {
  /**
   * Decodes one received WebSocket message. `open` is true once the socket
   * authenticated (a framing may only switch modes before that).
   */
  decode(data: Buffer, isBinary: boolean, open: boolean): Frame;
  /** Encodes a frame of `type` with `payload` as that type's message. */
  encode(type: number, payload: object): Buffer | string;
  /** Encodes an AdmAck under any type code (the admin socket's failure replies). */
  encodeAdmAck(type: number, ack: object): Buffer | string;
}

/** Which codec channels a socket reads and writes. */
export type Side = 'client' | 'admin';

/**
 * Binary frames (PROTOCOL.md section 1). The connection is in JSON mode once
 * an auth frame (`authType`) before authentication carried JSON.
 */
export class BinaryFraming implements Framing {
  private json = false;

  constructor(
    private readonly side: Side,
    private readonly authType: number,
  ) {}

  decode(data: Buffer, isBinary: boolean, open: boolean): Frame {
    if (!isBinary) return WRONG_FRAMING;
    const frame = decodeFrame(this.side === 'client' ? 'clientIn' : 'adminIn', data, this.json);
    if ('json' in frame && frame.json && frame.type === this.authType && !open) this.json = true;
    return frame;
  }

  encode(type: number, payload: object): Buffer {
    return encodeFrame(this.side === 'client' ? 'clientOut' : 'adminOut', type, payload, this.json);
  }

  encodeAdmAck(type: number, ack: object): Buffer {
    return encodeAdmAck(type, ack, this.json);
  }
}
