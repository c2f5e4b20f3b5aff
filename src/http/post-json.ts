/**
 * Outgoing JSON POSTs over keep-alive connections (node:http/https Agents),
 * each bounded in time and in the size of the answer it reads.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { signBody, SIGNATURE_HEADER } from './signature.js';

/** The outcome of one POST: an answer, or why there is none. */
export type PostResult =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string }
  | { readonly kind: 'timeout' | 'error' | 'too_large'; readonly message: string };

/** Where and how one client posts. */
export interface PostTarget {
  readonly url: URL;
  /** HMAC key of X-Tim-Signature; unset = unsigned. */
  readonly secret?: string;
  readonly timeoutMs: number;
  /** Longest answer body read, in bytes (longer is `too_large`). */
  readonly maxAnswerBytes: number;
}

/** A keep-alive JSON poster for one URL. */
export class JsonPoster {
  private readonly agent: HttpAgent;
  private readonly request: typeof httpRequest;

  constructor(private readonly target: PostTarget, maxSockets: number) {
    const https = target.url.protocol === 'https:';
    this.agent = https ? new HttpsAgent({ keepAlive: true, maxSockets }) : new HttpAgent({ keepAlive: true, maxSockets });
    this.request = https ? httpsRequest : httpRequest;
  }

  /** POSTs `body` (already JSON), signed when a secret is set; never rejects. */
  post(body: string): Promise<PostResult> {
    const { url, secret, timeoutMs, maxAnswerBytes } = this.target;
    const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    if (secret !== undefined) headers[SIGNATURE_HEADER] = signBody(secret, body);
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: PostResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(r);
      };
      const req = this.request(url, { method: 'POST', agent: this.agent, headers }, (res) => readAnswer(res, maxAnswerBytes, done, () => req.destroy()));
      const timer = setTimeout(() => {
        done({ kind: 'timeout', message: `no answer within ${timeoutMs} ms` });
        req.destroy();
      }, timeoutMs);
      req.on('error', (e) => done({ kind: 'error', message: e.message }));
      req.end(body);
    });
  }

  /** Closes the idle keep-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}

function readAnswer(res: IncomingMessage, max: number, done: (r: PostResult) => void, abort: () => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  res.on('data', (c: Buffer) => {
    size += c.length;
    if (size > max) {
      done({ kind: 'too_large', message: `answer longer than ${max} bytes` });
      abort();
      return;
    }
    chunks.push(c);
  });
  res.on('end', () => done({ kind: 'answer', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
  res.on('error', (e) => done({ kind: 'error', message: e.message }));
}
