/**
 * The one SSE connection of the page (`GET /api/v1/events`), shared by every
 * view: the overview counts and sparklines, the feed, the account view.
 */

/** A presence event as section 12 spells it (kind in lower case). */
export interface PresenceEvent {
  readonly kind: 'online' | 'offline' | 'kicked' | 'rejected';
  readonly domain: string;
  readonly name: string;
  readonly ssid: string;
  readonly resource: string;
  readonly termtyp: number;
  readonly ip?: string;
  readonly time: number;
  readonly reason: string;
}

/** Event kinds in feed order. */
export const eventKinds: readonly PresenceEvent['kind'][] = ['online', 'offline', 'kicked', 'rejected'];

type Listener = (ev: PresenceEvent) => void;
type StateListener = (connected: boolean) => void;

/** The page's event stream; reconnects as EventSource does until stopped. */
export class EventStream {
  private source: EventSource | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly stateListeners = new Set<StateListener>();

  /** Opens the stream (idempotent). */
  start(): void {
    if (this.source) return;
    const source = new EventSource('/api/v1/events');
    for (const kind of eventKinds) {
      source.addEventListener(kind, (e) => {
        const ev = JSON.parse((e as MessageEvent<string>).data) as PresenceEvent;
        for (const l of this.listeners) l({ ...ev, kind });
      });
    }
    source.onopen = () => this.setState(true);
    source.onerror = () => this.setState(false);
    this.source = source;
  }

  /** Closes the stream (sign-out; the page is left right after, so no state change is reported). */
  stop(): void {
    this.source?.close();
    this.source = null;
  }

  /** Calls `l` for every event from now on. */
  subscribe(l: Listener): void {
    this.listeners.add(l);
  }

  /** Calls `l` when the stream connects or loses its connection. */
  onState(l: StateListener): void {
    this.stateListeners.add(l);
  }

  private setState(connected: boolean): void {
    for (const l of this.stateListeners) l(connected);
  }
}
