/**
 * One admin socket: the ADMAUTH-first rule, the auth deadline, in-order
 * handling of requests, the ADMSUB subscription and the send-buffer cap. What
 * a request does is AdminService's business.
 *
 * Every reply frame carries the request's type code. Failures are AdmAck
 * payloads in that frame, also for ADMONLINE (42) and ADMSTATS (43) whose
 * success payloads are AdmOnlineReply and AdmStats (the admin client tells
 * them apart; see src/client/admin-client.ts).
 */
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { Config } from '../config/defaults.js';
import { CloseCode, closeReason, ErrorCode, failure, type TimFailure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { decodeFrame, encodeAdmAck, encodeFrame, isUndecodable, type DecodedFrame, type UndecodableFrame } from '../protocol/codec.js';
import { AdminType } from '../protocol/type-codes.js';
import type { AdmAck, AdmAuth, AdmEvent, AdmSub } from '../protocol/types.js';
import { failAdmAck, okAdmAck, type AdminService } from '../session/admin-service.js';

/** Requests waiting to be handled before the socket stops reading. */
const MAX_QUEUED_REQUESTS = 32;

/** Metric label of each admin type code. */
const requestNames: Readonly<Record<number, string>> = {
  [AdminType.PING]: 'ping',
  [AdminType.AUTH]: 'auth',
  [AdminType.SUB]: 'sub',
  [AdminType.NOTICE]: 'notice',
  [AdminType.KICK]: 'kick',
  [AdminType.ONLINE]: 'online',
  [AdminType.STATS]: 'stats',
  [AdminType.TOKEN]: 'token',
};

/** The type code a reply to `frame` carries: the one received, or 0 for an empty or text message. */
function replyType(frame: DecodedFrame | UndecodableFrame): number {
  return Math.max(0, frame.type);
}

/** An admin socket and its state. */
export class AdminConnection {
  /** Name of the operator once ADMAUTH succeeded. */
  operator: string | null = null;
  /** Domain of the ADMSUB subscription ("" = all), or null when not subscribed. */
  subscription: string | null = null;
  closed = false;
  private json = false;
  private queued = 0;
  private chain: Promise<void> = Promise.resolve();
  private readonly authTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    readonly ip: string,
    private readonly gatewayId: string,
    private readonly config: Config,
    private readonly admin: AdminService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    private readonly onGone: (conn: AdminConnection) => void,
  ) {
    this.authTimer = setTimeout(() => this.close(CloseCode.AUTH_TIMEOUT), config.auth_timeout * 1000);
    ws.on('message', (data, isBinary) => this.receive(data as Buffer, isBinary));
    ws.on('close', () => this.gone());
    ws.on('error', (err) => this.log.debug({ err }, 'admin socket error'));
  }

  private receive(data: Buffer, isBinary: boolean): void {
    if (this.closed) return;
    const frame: DecodedFrame | UndecodableFrame = isBinary ? decodeFrame('adminIn', data, this.json) : { type: 0, error: 'bad-payload' };
    if (!isUndecodable(frame) && frame.type === AdminType.AUTH && frame.json && !this.operator) this.json = true;
    if (++this.queued >= MAX_QUEUED_REQUESTS) this.ws.pause();
    this.chain = this.chain
      .then(() => (this.closed ? undefined : this.operator ? this.request(frame) : this.authenticate(frame)))
      .catch((err: unknown) => {
        this.log.error({ err }, 'admin frame handler failed');
        const type = replyType(frame);
        this.reply(type, failAdmAck(type, failure(ErrorCode.UNDEFINED)));
      })
      .finally(() => {
        if (--this.queued < MAX_QUEUED_REQUESTS / 2 && this.ws.isPaused && !this.closed) this.ws.resume();
      });
  }

  /** The first frame: a valid ADMAUTH opens the socket; anything else gets 4105 (5105 when throttled) and a close. */
  private async authenticate(frame: DecodedFrame | UndecodableFrame): Promise<void> {
    const type = replyType(frame);
    if (isUndecodable(frame) || type !== AdminType.AUTH) return this.refuse(type, failure(ErrorCode.PERMISSION_DENIED, 'permission denied: ADMAUTH must come first'));
    const auth = frame.payload as unknown as AdmAuth;
    const problem = await this.admin.authenticate(this.ip, auth.name, auth.pwd);
    if (problem) return this.refuse(type, problem);
    clearTimeout(this.authTimer);
    this.operator = auth.name;
    this.log.info({ operator: auth.name }, 'admin logged in');
    this.reply(type, okAdmAck(type, { n: this.gatewayId }));
  }

  private refuse(type: number, problem: TimFailure): void {
    this.log.warn({ type, code: problem.code }, 'admin socket refused');
    this.reply(type, failAdmAck(type, problem));
    this.close(CloseCode.POLICY);
  }

  private async request(frame: DecodedFrame | UndecodableFrame): Promise<void> {
    const type = replyType(frame);
    if (isUndecodable(frame)) return this.reply(type, failAdmAck(type, failure(ErrorCode.FORMAT, `format error: ${frame.error}`)));
    switch (type) {
      case AdminType.PING:
        this.count(type, 'ok');
        return this.send(type, {});
      case AdminType.AUTH:
        return this.reply(type, failAdmAck(type, failure(ErrorCode.PARAMETER_INCORRECT, 'already authenticated')));
      case AdminType.SUB: {
        const { domain } = frame.payload as unknown as AdmSub;
        const problem = this.admin.checkSubscription(domain);
        if (!problem) this.subscription = domain;
        return this.reply(type, problem ? failAdmAck(type, problem) : okAdmAck(type));
      }
    }
    const out = await this.admin.handle(type, frame.payload);
    if ('ack' in out) return this.reply(type, out.ack);
    this.count(type, 'ok');
    this.send(type, out.payload);
  }

  /** Pushes a presence event when it matches the subscription. */
  event(ev: AdmEvent): void {
    if (this.subscription === null || (this.subscription !== '' && this.subscription !== ev.domain)) return;
    this.send(AdminType.EVENT, ev);
  }

  private count(type: number, result: string): void {
    this.metrics.adminRequests.inc({ type: requestNames[type] ?? 'unknown', result });
  }

  private reply(type: number, ack: AdmAck): void {
    this.count(type, ack.ok ? 'ok' : String(ack.error?.code ?? ErrorCode.UNDEFINED));
    this.write(() => encodeAdmAck(type, ack, this.json));
  }

  private send(type: number, payload: object): void {
    this.write(() => encodeFrame('adminOut', type, payload, this.json));
  }

  private write(frame: () => Buffer): void {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.config.max_buffered) return this.close(CloseCode.SLOW_CONSUMER);
    this.ws.send(frame());
  }

  /** Closes with a close code; a peer that does not answer the close handshake is cut off after a second. */
  close(code: CloseCode): void {
    if (this.closed) return;
    this.closed = true;
    this.ws.close(code, closeReason[code]);
    setTimeout(() => this.ws.terminate(), 1000).unref();
    this.gone();
  }

  private gone(): void {
    this.closed = true;
    clearTimeout(this.authTimer);
    this.onGone(this);
  }
}
