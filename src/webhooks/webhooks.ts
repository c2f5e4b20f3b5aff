/**
 * Presence webhooks (PROTOCOL.md section 12): each node posts the events it
 * originates (never those relayed from other nodes, so each event arrives
 * once) to every hook that asked for their kind.
 */
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Config } from '../config/defaults.js';
import type { AdmEvent } from '../protocol/types.js';
import { presenceJson, presenceKinds, type PresenceKind } from '../protocol/presence-json.js';
import { WebhookSender, type WebhookMetrics } from './webhook-sender.js';

/** The hooks of one node. */
export class Webhooks {
  private readonly hooks: { readonly kinds: ReadonlySet<PresenceKind>; readonly sender: WebhookSender }[];

  constructor(config: Config, gatewayId: string, log: Logger, registry: Registry) {
    const metrics: WebhookMetrics = {
      deliveries: new Counter({ name: 'tim_webhook_deliveries_total', help: 'Webhook batch posts by hook and result', labelNames: ['hook', 'result'], registers: [registry] }),
      queued: new Gauge({ name: 'tim_webhook_queue_length', help: 'Events waiting for delivery, by hook', labelNames: ['hook'], registers: [registry] }),
      dropped: new Counter({ name: 'tim_webhook_dropped_total', help: 'Events dropped because the hook\'s queue was full', labelNames: ['hook'], registers: [registry] }),
    };
    this.hooks = config.webhooks.map((h, index) => ({
      kinds: new Set((h.events ?? presenceKinds) as readonly PresenceKind[]),
      sender: new WebhookSender({
        index,
        url: new URL(h.url),
        secret: h.secret,
        gatewayId,
        queueMax: config.webhook_queue,
        timeoutMs: config.webhook_timeout * 1000,
        metrics,
        log,
      }),
    }));
  }

  /** A presence event of the bus: queued for every hook that wants it, when this node originated it. */
  handle(event: AdmEvent, local: boolean): void {
    if (!local || this.hooks.length === 0) return;
    const json = presenceJson(event);
    if (!json) return;
    for (const h of this.hooks) if (h.kinds.has(json.kind)) h.sender.push(json);
  }

  /** Stops every sender. */
  close(): void {
    for (const h of this.hooks) h.sender.close();
  }
}
