/**
 * Start-up advice on valid but risky configs (src/config/advice.ts): plain
 * http to another machine for auth_url and jwt.jwks_url, and a JWT key of an
 * identity provider without jwt.audience, and an admin listener beyond loopback.
 */
import { describe, expect, it } from 'vitest';
import { configAdvice } from '../src/config/advice.js';
import { buildConfig } from '../src/config/load.js';

const keysOf = (raw: Record<string, unknown>): string[] => configAdvice(buildConfig(raw)).map((a) => a.key);

describe('configAdvice', () => {
  it.each([
    ['nothing for the defaults', {}, []],
    ['auth_url over http to another machine', { auth_url: 'http://users.internal/auth' }, ['auth_url']],
    ['auth_url over https, or http on this machine', { auth_url: 'https://users.example/auth' }, []],
    ['auth_url over http to 127.0.0.2', { auth_url: 'http://127.0.0.2:8080/auth' }, []],
    ['auth_url over http to localhost', { auth_url: 'http://localhost/auth' }, []],
    ['auth_url over http to [::1]', { auth_url: 'http://[::1]:9000/auth' }, []],
    ['jwks_url over http to another machine, no audience', { jwt: { jwks_url: 'http://idp.internal/jwks' } }, ['jwt.jwks_url', 'jwt.audience']],
    ['jwks_url over https with an audience', { jwt: { jwks_url: 'https://idp.example/jwks', audience: 'chat' } }, []],
    ['a shared secret needs no audience (nobody else holds it)', { jwt: { secret: 'x'.repeat(32) } }, []],
    ['admin_listen on all interfaces', { admin_listen: ':20002' }, ['admin_listen']],
    ['admin_listen on 0.0.0.0', { admin_listen: '0.0.0.0:20002' }, ['admin_listen']],
    ['admin_listen on another address of this machine', { admin_listen: '10.1.2.3:20002' }, ['admin_listen']],
    ['admin_listen on [::1] or localhost', { admin_listen: '[::1]:20002' }, []],
    ['admin_listen on localhost', { admin_listen: 'localhost:20002' }, []],
  ])('%s', (_what, raw, keys) => {
    expect(keysOf(raw)).toEqual(keys);
  });
});
