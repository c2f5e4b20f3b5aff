/**
 * Config mistakes in the identity keys (auth_url, jwt, webhooks) name the key;
 * an unreadable PEM stops the gateway at start with the key named.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../src/config/load.js';
import { Gateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { configProblem, tempDir } from './helpers.js';

describe('identity config', () => {
  it.each([
    [{ auth_url: 'ftp://users.example' }, 'key "auth_url" must be an http:// or https:// URL'],
    [{ auth_url: 'not a url' }, 'key "auth_url" must be an http:// or https:// URL'],
    [{ auth_secret: '' }, 'key "auth_secret" must be a non-empty string'],
    [{ auth_url_timeout: 0 }, 'key "auth_url_timeout" must be a number from 0.01 to 60'],
    [{ auth_url_concurrency: 0.5 }, 'key "auth_url_concurrency" must be an integer'],
    [{ jwt: {} }, 'key "jwt" must set exactly one of "secret", "public_key", "jwks_url" (found none)'],
    [{ jwt: { secret: 's', jwks_url: 'https://id.example/jwks' } }, 'key "jwt" must set exactly one of "secret", "public_key", "jwks_url" (found secret, jwks_url)'],
    [{ jwt: { secret: 's', algorithms: ['HS257'] } }, 'key "jwt" .algorithms: "HS257" is not one of HS256, HS384, HS512'],
    [{ jwt: { public_key: 'k.pem', algorithms: ['HS256'] } }, 'key "jwt" .algorithms: "HS256" is not one of RS256'],
    [{ jwt: { jwks_url: 'file:///etc/jwks' } }, 'key "jwt" .jwks_url must be an http:// or https:// URL'],
    [{ jwt: { secret: 's', leeway: -1 } }, 'key "jwt" .leeway must be a number of seconds'],
    [{ jwt: { secret: 's', issuer: 5 } }, 'key "jwt" .issuer must be a non-empty string'],
    [{ jwt: { secret: 's', audiences: 'x' } }, 'key "jwt" .audiences is not a known key'],
    [{ webhooks: {} }, 'key "webhooks" must be an array'],
    [{ webhooks: [{ url: 'mailto:ops@example.com', secret: 's' }] }, 'key "webhooks" [0].url must be an http:// or https:// URL'],
    [{ webhooks: [{ url: 'http://127.0.0.1:1/h' }] }, 'key "webhooks" [0].secret must be a non-empty string'],
    [{ webhooks: [{ url: 'http://127.0.0.1:1/h', secret: 's', events: ['login'] }] }, 'key "webhooks" [0].events must be an array of "online", "offline", "kicked", "rejected"'],
    [{ webhooks: [{ url: 'http://127.0.0.1:1/h', secret: 's', retries: 3 }] }, 'key "webhooks" [0].retries is not a known key'],
    [{ webhook_queue: 0 }, 'key "webhook_queue" must be an integer from 1'],
  ])('%j is refused naming the key', (raw, message) => {
    expect(configProblem(raw)).toContain(message);
  });

  it('accepts a full identity setup', () => {
    const c = buildConfig({
      auth_url: 'https://users.example/check',
      auth_secret: 's',
      jwt: { secret: 'k', issuer: 'https://login.example', audience: ['chat'], algorithms: ['HS256'], domain_claim: 'tenant', leeway: 5 },
      webhooks: [{ url: 'http://127.0.0.1:9/hook', secret: 'h', events: ['online', 'offline'] }],
      webhook_queue: 100,
    });
    expect(c.auth_url_timeout).toBe(3);
    expect(c.auth_url_concurrency).toBe(256);
    expect(c.webhooks[0]!.events).toEqual(['online', 'offline']);
  });

  it('an unreadable or non-PEM jwt.public_key stops the start with the key named', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'garbage.pem'), 'not a key');
    for (const file of ['missing.pem', 'garbage.pem']) {
      const config = buildConfig({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', jwt: { public_key: file } }, join(dir, 'tim.json'), dir);
      await expect(Gateway.start(config, { logger: createLogger('silent', false) })).rejects.toThrow(/key "jwt.public_key" names .*\.pem, which is not a readable PEM/);
    }
  });
});
