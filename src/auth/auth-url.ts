/**
 * Strategy: the deployment's user service (`auth_url`, Tim's
 * connectauth_url). Each check is one signed JSON POST over a keep-alive
 * connection, bounded in time (auth_url_timeout) and in number per node
 * (auth_url_concurrency: beyond, 5105 at once). Fails closed: anything but a
 * clear answer is 5104.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { Config } from '../config/defaults.js';
import { ErrorCode, failure } from '../errors.js';
import { JsonPoster } from '../http/post-json.js';
import { ConcurrencyLimiter } from '../policy/concurrency-limiter.js';
import { RateLimitedLog } from '../rate-limited-log.js';
import { refuse, type AuthOutcome, type Authenticator, type Credentials } from './authenticator.js';
import { readAuthAnswer, type AuthVerdict } from './auth-url-answer.js';

/** Largest auth_url answer read, in bytes. */
const MAX_ANSWER_BYTES = 65536;

const busy: AuthVerdict = { outcome: refuse(failure(ErrorCode.FREQ_LIMIT, 'too many auth_url calls in flight'), 'auth_busy'), result: 'busy' };

/** `url` without user:password, query or fragment (a key may ride in either), for logs. */
function redactedUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Asks the user service configured as `auth_url`. */
export class AuthUrlAuthenticator implements Authenticator {
  private readonly poster: JsonPoster;
  private readonly limit: ConcurrencyLimiter;
  private readonly failures: RateLimitedLog;
  private readonly calls: Counter<'result'>;
  private readonly duration: Histogram;
  private readonly url: URL;

  constructor(config: Config, private readonly gatewayId: string, log: Logger, metrics: Registry) {
    this.url = new URL(config.auth_url!);
    const timeoutMs = config.auth_url_timeout * 1000;
    this.poster = new JsonPoster({ url: this.url, timeoutMs, maxAnswerBytes: MAX_ANSWER_BYTES, ...(config.auth_secret !== undefined ? { secret: config.auth_secret } : {}) }, config.auth_url_concurrency);
    // no queue: beyond auth_url_concurrency calls in flight, 5105 at once
    const n = config.auth_url_concurrency;
    this.limit = new ConcurrencyLimiter({ concurrent: n, queued: 0, per_ip: n });
    this.failures = new RateLimitedLog(log);
    this.calls = new Counter({ name: 'tim_auth_calls_total', help: 'auth_url calls by result', labelNames: ['result'], registers: [metrics] });
    this.duration = new Histogram({
      name: 'tim_auth_call_duration_seconds',
      help: 'Seconds an auth_url call took',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [metrics],
    });
  }

  async authenticate(c: Credentials): Promise<AuthOutcome> {
    const run = await this.limit.run(c.ip, () => true, () => this.call(c));
    const verdict = run.ran ? run.value : busy;
    this.calls.inc({ result: verdict.result });
    if (verdict.problem !== undefined || verdict.result === 'busy') {
      this.failures.warn({ url: redactedUrl(this.url), result: verdict.result, problem: verdict.problem, domain: c.domain, name: c.name }, 'auth_url call failed: login refused');
    }
    return verdict.outcome;
  }

  private async call(c: Credentials): Promise<AuthVerdict> {
    const { domain, name, pwd, token, resource, termtyp, ip, extend } = c;
    const body = JSON.stringify({ domain, name, pwd, token, resource, termtyp, ip, extend, gateway: this.gatewayId });
    const started = performance.now();
    const answer = await this.poster.post(body);
    this.duration.observe((performance.now() - started) / 1000);
    return readAuthAnswer(answer, token !== '');
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.poster.close();
  }
}
