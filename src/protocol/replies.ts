/**
 * Builders of the reply payloads the gateway sends: ACKs, admin acks, and
 * the wire form of a stored session.
 */
import type { TimFailure } from '../errors.js';
import type { AdmAck, TimAck, TimSession } from './types.js';

/** A failed ACK for request `timType`. */
export function failAck(timType: number, f: TimFailure, extra: Partial<TimAck> = {}): TimAck {
  return { ok: false, timType, error: { code: f.code, info: f.info }, ...extra };
}

/** A successful AdmAck for request `admType`. */
export function okAdmAck(admType: number, extra: Partial<AdmAck> = {}): AdmAck {
  return { ok: true, admType, ...extra };
}

/** A failed AdmAck for request `admType`. */
export function failAdmAck(admType: number, f: TimFailure): AdmAck {
  return { ok: false, admType, error: { code: f.code, info: f.info } };
}

/** What a stored session holds of the wire fields (a SessionInfo has more, which must not leave the node). */
export type SessionFields = Omit<TimSession, 'extend'> & { readonly extend?: Readonly<Record<string, string>> };

/** The wire form of a stored session: exactly the TimSession fields, nothing else of the record. */
export function toTimSession(s: SessionFields): TimSession {
  return { ssid: s.ssid, resource: s.resource, termtyp: s.termtyp, loginTime: s.loginTime, refreshTime: s.refreshTime, ip: s.ip, gateway: s.gateway, extend: { ...s.extend } };
}
