/**
 * One admin socket: the ADMAUTH-first rule and the ADMSUB subscription, on a
 * FramedSocket (framing, auth deadline, in-order handling, send-buffer cap).
 * What a request does is AdminService's business.
 *
 * Every reply frame carries the request's type code. Failures are AdmAck
 * payloads in that frame, also for ADMONLINE (42) and ADMSTATS (43) whose
 * success payloads are AdmOnlineReply and AdmStats (the admin client tells
 * them apart; see src/client/admin-client.ts).
 */
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { CloseCode, ErrorCode, failure, type TimFailure } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { isUndecodable, nameOf } from '../protocol/codec.js';
import { failAdmAck, okAdmAck } from '../protocol/replies.js';
import { AdminType } from '../protocol/type-codes.js';
import type { AdmAck, AdmEvent } from '../protocol/types.js';
import type { AdminService } from '../session/admin-service.js';
import { FramedSocket, type CarrierSocket, type SocketHost } from './framed-socket.js';
import { SocketFraming, type Frame } from './framing.js';

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
function replyType(frame: Frame<'adminIn'>): number {
  return Math.max(0, frame.type);
}

/** An admin socket and its state. */
export class AdminConnection extends FramedSocket<'adminIn', 'adminOut'> {
  /** Name of the operator once ADMAUTH succeeded. */
  operator: string | null = null;
  /** Domain of the ADMSUB subscription ("" = all), or null when not subscribed. */
  subscription: string | null = null;
  /** Other nodes' events follow this socket from its first ADMSUB until it closes (Bus.follow), as this release. */
  private following: Promise<() => void> | null = null;

  constructor(
    ws: CarrierSocket,
    readonly ip: string,
    private readonly gatewayId: string,
    config: Config,
    private readonly admin: AdminService,
    private readonly metrics: Metrics,
    private readonly log: Logger,
    /** The admin server: told when ADMAUTH succeeds (it stops counting the socket as unauthenticated) and when the socket is gone. */
    private readonly host: SocketHost<AdminConnection>,
  ) {
    super(ws, config, new SocketFraming('adminIn', 'adminOut', AdminType.AUTH));
  }

  protected override socketError(err: Error): void {
    this.log.debug({ err }, 'admin socket error');
  }

  protected get open(): boolean {
    return this.operator !== null;
  }

  protected async handle(frame: Frame<'adminIn'>): Promise<void> {
    if (this.closed) return;
    return this.operator ? this.request(frame) : this.authenticate(frame);
  }

  protected handlerFailed(frame: Frame<'adminIn'>, err: unknown): void {
    this.log.error({ err }, 'admin frame handler failed');
    const type = replyType(frame);
    this.reply(type, failAdmAck(type, failure(ErrorCode.UNDEFINED)));
  }

  /** The first frame: a valid ADMAUTH opens the socket; anything else gets 4105 (5105 when throttled) and a close. */
  private async authenticate(frame: Frame<'adminIn'>): Promise<void> {
    const type = replyType(frame);
    if (isUndecodable(frame) || frame.type !== AdminType.AUTH) return this.refuse(type, failure(ErrorCode.PERMISSION_DENIED, 'permission denied: ADMAUTH must come first'));
    const auth = frame.payload;
    const problem = await this.admin.authenticate(this.ip, auth.name, auth.pwd, () => !this.closed);
    if (this.closed) return;
    if (problem) return this.refuse(type, problem);
    this.stopAuthTimer();
    this.operator = auth.name;
    this.host.authenticated(this);
    this.log.info({ operator: auth.name }, 'admin logged in');
    this.reply(type, okAdmAck(type, { n: this.gatewayId }));
  }

  private refuse(type: number, problem: TimFailure): void {
    this.log.warn({ type, code: problem.code }, 'admin socket refused');
    this.reply(type, failAdmAck(type, problem));
    this.close(CloseCode.POLICY);
  }

  private async request(frame: Frame<'adminIn'>): Promise<void> {
    const type = replyType(frame);
    if (isUndecodable(frame)) return this.reply(type, failAdmAck(type, failure(ErrorCode.FORMAT, `format error: ${frame.error}`)));
    switch (frame.type) {
      case AdminType.PING:
        this.count(type, 'ok');
        return this.send(AdminType.PING, {});
      case AdminType.AUTH:
        return this.reply(type, failAdmAck(type, failure(ErrorCode.PARAMETER_INCORRECT, 'already authenticated')));
      case AdminType.SUB: {
        const { domain } = frame.payload;
        const problem = this.admin.checkSubscription(domain);
        if (problem) return this.reply(type, failAdmAck(type, problem));
        // acknowledged once other nodes' events are coming too: nothing after the AdmAck is missed
        this.following ??= this.admin.followEvents();
        await this.following;
        this.subscription = domain;
        return this.reply(type, okAdmAck(type));
      }
    }
    const out = await this.admin.handle(frame);
    if ('ack' in out) return this.reply(type, out.ack);
    this.count(type, 'ok');
    this.write((f) => f.encodeAs(nameOf('adminOut', type), type, out.payload));
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
    this.write((f) => f.encodeAs('AdmAck', type, ack));
  }

  protected gone(): void {
    void this.following?.then((release) => release());
    this.host.gone(this);
  }
}
