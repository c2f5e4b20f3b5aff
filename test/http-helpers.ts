/**
 * Helpers of the HTTP API tests: gateways with an API key, requests over real
 * HTTP (node:http, so oversized and mistyped bodies go out as written), and
 * the check that every JSON answer matches the gateway's own /openapi.json.
 */
import { createHash } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'vitest';
import type { Gateway, GatewayOptions } from '../src/gateway.js';
import { adminGateway } from './admin-helpers.js';
import { onCleanup, waitFor } from './helpers.js';

/** The API key of test gateways, and its api_keys entry. */
export const API_KEY = 'tim_test-key-0123456789abcdefghijklmnopqrstuvwxyz';
export const apiKeyEntry = { name: 'crm', key: `sha256:${createHash('sha256').update(API_KEY).digest('hex')}` };

/** A gateway (with the admin operator of admin-helpers) whose api_keys accepts API_KEY. */
export function apiGateway(overrides: Record<string, unknown> = {}, options: GatewayOptions = {}): Promise<Gateway> {
  return adminGateway({ api_keys: [apiKeyEntry], ...overrides }, options);
}

/** An HTTP answer: status, headers and the body (parsed when JSON). */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: unknown;
}

/** Options of a request. */
export interface Call {
  /** Bearer credential; default API_KEY, null for none. */
  readonly key?: string | null;
  /** A JSON value (sent as application/json) or raw text. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Source address (another loopback address, e.g. 127.0.0.2); default 127.0.0.1. */
  readonly localAddress?: string;
}

/** Sends one request to `base` (http://host:port) and reads the whole answer. */
export function call(base: string, method: string, path: string, o: Call = {}): Promise<Answer> {
  const key = o.key === undefined ? API_KEY : o.key;
  const raw = o.body === undefined ? undefined : typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
  const headers: Record<string, string> = {
    ...(key !== null ? { authorization: `Bearer ${key}` } : {}),
    ...(raw !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(raw)) } : {}),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method, headers, localAddress: o.localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const isJson = (res.headers['content-type'] ?? '').startsWith('application/json');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: isJson ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(raw);
  });
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };

const validators = new Map<string, { ajv: Ajv2020; doc: Doc }>();

/** The validator of the document a gateway serves (fetched once per gateway). */
async function validatorOf(gw: Gateway): Promise<{ ajv: Ajv2020; doc: Doc }> {
  let v = validators.get(gw.id);
  if (!v) {
    const doc = (await call(gw.adminHttpUrl, 'GET', '/openapi.json', { key: null })).json as Doc;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(doc, 'openapi');
    v = { ajv, doc };
    validators.set(gw.id, v);
  }
  return v;
}

const pointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Asserts that a JSON answer of `method path` is described by the gateway's
 * /openapi.json (its status, or `default`) and matches that schema.
 */
export async function expectDocumented(gw: Gateway, method: string, path: string, a: Answer): Promise<void> {
  const { ajv, doc } = await validatorOf(gw);
  const operation = doc.paths[path]?.[method.toLowerCase()];
  if (!operation) {
    // an undocumented method or path may only be refused, with the documented error shape
    expect([404, 405], `${method} ${path} is not in /openapi.json, so it must answer 404 or 405`).toContain(a.status);
    const validateError = ajv.getSchema('openapi#/components/schemas/Error')!;
    expect(validateError(a.json), `${a.text} ${ajv.errorsText(validateError.errors)}`).toBe(true);
    return;
  }
  const status = String(a.status) in operation!.responses ? String(a.status) : 'default';
  const response = operation!.responses[status];
  expect(response, `${method} ${path} documents status ${a.status}`).toBeDefined();
  const schemaRef = `openapi#/paths/${pointer(path)}/${method.toLowerCase()}/responses/${status}/content/application~1json/schema`;
  const validate = ajv.getSchema(schemaRef);
  expect(validate, `${method} ${path} ${status} has a JSON schema`).toBeDefined();
  const ok = validate!(a.json);
  expect(ok, `${method} ${path} ${a.status}: ${JSON.stringify(a.json)} ${ajv.errorsText(validate!.errors)}`).toBe(true);
}

/** Sends a request to the admin listener of `gw` and checks the answer against /openapi.json. */
export async function api(gw: Gateway, method: string, path: string, o: Call = {}): Promise<Answer> {
  const a = await call(gw.adminHttpUrl, method, path, o);
  await expectDocumented(gw, method, path.split('?')[0]!, a);
  return a;
}

/** Asserts an error answer: status, code, and (when given) a phrase of its info. */
export function expectError(a: Answer, status: number, code: number, info?: string): void {
  expect(a.status, a.text).toBe(status);
  const err = (a.json as { error: { code: number; info: string } }).error;
  expect(err.code).toBe(code);
  if (info !== undefined) expect(err.info).toContain(info);
}

/** One received SSE message: its event name and parsed data, or a comment. */
export type Message = { event: string; data: Record<string, unknown> } | { comment: string };

/** An open GET /api/v1/events: what arrived so far, and when the server ended it. */
export interface Subscription {
  readonly messages: Message[];
  readonly res: IncomingMessage;
  /** Resolves when the response ends or its connection closes. */
  readonly ended: Promise<void>;
}

/**
 * Opens GET /api/v1/events`query` with API_KEY, or with `headers` instead
 * (a session cookie), and collects what arrives; resolves once subscribed.
 */
export async function subscribe(gw: Gateway, query = '', headers: Record<string, string> = { authorization: `Bearer ${API_KEY}` }): Promise<Subscription> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(`${gw.adminHttpUrl}/api/v1/events${query}`, { headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  onCleanup(async () => res.destroy());
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toBe('text/event-stream');
  const ended = new Promise<void>((resolve) => {
    res.on('end', resolve);
    res.on('close', resolve);
  });
  const messages: Message[] = [];
  let buffer = '';
  res.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith(':')) messages.push({ comment: block.slice(1).trim() });
      else {
        const event = /^event: (.*)$/m.exec(block)![1]!;
        messages.push({ event, data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown> });
      }
    }
  });
  await waitFor(() => messages.length > 0, 5000, 'the subscribed comment');
  return { messages, res, ended };
}
