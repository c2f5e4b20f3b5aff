/**
 * How a socket's messages become frames and back: the replaceable part of a
 * FramedSocket. SocketFraming adapts a protocol Wire (binary, JSON or text
 * mode, PROTOCOL.md sections 1 and 10; src/protocol/wire.ts) to what `ws`
 * hands over: a Buffer and whether it was a binary message.
 */
import type { DecodedFrame, UndecodableFrame } from '../protocol/codec.js';
import type { MessageName } from '../protocol/messages.js';
import type { Channel, CodeOf, PayloadOf } from '../protocol/type-codes.js';
import type { Messages } from '../protocol/types.js';
import { Wire, type WireData } from '../protocol/wire.js';

/** A received message on channel `C`: decoded and typed by its code, or why it could not be. */
export type Frame<C extends Channel> = DecodedFrame<C> | UndecodableFrame;

/** Reads and writes the frames of one server socket, receiving on `In` and sending on `Out`. */
export class SocketFraming<In extends Channel, Out extends Channel> {
  private readonly wire: Wire<In, Out>;

  /** `authType`: the AUTH / ADMAUTH code, whose JSON flag chooses JSON payloads. */
  constructor(inbound: In, outbound: Out, authType: number) {
    this.wire = new Wire(inbound, outbound, authType);
  }

  /**
   * Decodes one received WebSocket message. `open` is true once the socket
   * authenticated (JSON mode may only be chosen before that).
   */
  decode(data: Buffer, isBinary: boolean, open: boolean): Frame<In> {
    return this.wire.decode(isBinary ? data : data.toString('utf8'), !open);
  }

  /** Encodes a frame of `type` with `payload` as that type's message. */
  encode<K extends CodeOf<Out>>(type: K, payload: Partial<PayloadOf<Out, K>>): WireData {
    return this.wire.encode(type, payload);
  }

  /** Encodes a message of a given name under any type code (the admin socket's AdmAck failure replies). */
  encodeAs<N extends MessageName>(name: N, type: number, payload: Partial<Messages[N]>): WireData {
    return this.wire.encodeAs(name, type, payload);
  }
}
