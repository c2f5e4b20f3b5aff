/**
 * Waiting for a notice: one already received and not yet taken, or the next
 * to arrive (tests, scripts).
 */
import type { TimMessage } from '../protocol/types.js';

/** Something that keeps received notices and emits each as `notice`. */
export interface NoticeSource {
  readonly notices: TimMessage[];
  on(event: 'notice', fn: (m: TimMessage) => void): unknown;
  off(event: 'notice', fn: (m: TimMessage) => void): unknown;
}

/** Takes the first notice (of kind `odType`, if given) out of `source.notices`, waiting up to `timeoutMs` for one. */
export function takeNotice(source: NoticeSource, odType: number | undefined, timeoutMs: number): Promise<TimMessage> {
  const match = (m: TimMessage): boolean => odType === undefined || m.odType === odType;
  const i = source.notices.findIndex(match);
  if (i >= 0) return Promise.resolve(source.notices.splice(i, 1)[0]!);
  return new Promise((resolve, reject) => {
    const onNotice = (m: TimMessage): void => {
      if (!match(m)) return;
      clearTimeout(timer);
      source.off('notice', onNotice);
      source.notices.splice(source.notices.indexOf(m), 1);
      resolve(m);
    };
    const timer = setTimeout(() => {
      source.off('notice', onNotice);
      reject(new Error(`no notice${odType ? ` of odType ${odType}` : ''} within ${timeoutMs} ms`));
    }, timeoutMs);
    source.on('notice', onNotice);
  });
}
