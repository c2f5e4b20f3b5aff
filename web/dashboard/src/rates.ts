/**
 * Logins and refusals per second from the event stream, over the last 10
 * minutes (by arrival in the page): ONLINE events, and REJECTED events by
 * the code the client got.
 */
import type { EventStream } from './event-stream.js';
import { RateSeries } from './sparkline.js';

/** A series shown on the overview. */
export interface RateLine {
  readonly title: string;
  readonly series: RateSeries;
}

/** REJECTED reasons (README, AdmEvent reasons) and the error code each answers. */
const refusalCodes: Readonly<Record<string, number>> = { over_entry: 4111, bad_password: 4105, rate_limited: 5105 };

/** The overview's sparkline series, fed from the page's event stream from sign-in on. */
export class Rates {
  readonly logins: RateLine = { title: 'Logins', series: new RateSeries() };
  readonly refusals: ReadonlyMap<number, RateLine> = new Map([
    [4111, { title: 'Refused 4111 over entry', series: new RateSeries() }],
    [4105, { title: 'Refused 4105 permission denied', series: new RateSeries() }],
    [5105, { title: 'Refused 5105 rate limited', series: new RateSeries() }],
  ]);

  constructor(events: EventStream) {
    events.subscribe((ev) => {
      if (ev.kind === 'online') this.logins.series.add(Date.now());
      const code = ev.kind === 'rejected' ? refusalCodes[ev.reason] : undefined;
      if (code !== undefined) this.refusals.get(code)!.series.add(Date.now());
    });
  }

  /** Every line, logins first. */
  get lines(): RateLine[] {
    return [this.logins, ...this.refusals.values()];
  }
}
