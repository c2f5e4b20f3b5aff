/**
 * Secrets never reach the logs: a gateway logging at trace level into a file
 * sees password logins (right and wrong), a resume-token login, a bad token,
 * oversized secrets and garbage; the file must show those events happened and
 * must not contain a password or a token secret anywhere.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';
import { encodeFrame } from '../src/protocol/codec.js';
import { ClientType, JSON_FLAG } from '../src/protocol/type-codes.js';
import { connect, PWD, startGateway, tempDir, waitFor } from './helpers.js';
import { sendJson, startService } from './support/http-service.js';

it('logs at trace level never contain pwd or token secrets', async () => {
  const file = join(tempDir(), 'gateway.log');
  const logger = createLogger('trace', false, file);
  const gw = await startGateway({ log_level: 'trace' }, { logger });
  const wrongPwd = 'hunter2-wrong-password';
  const bigPwd = `x-secret-${'p'.repeat(200)}`;

  const c = await connect(gw);
  expect(await c.login({ name: 'alice', pwd: wrongPwd })).toMatchObject({ error: { code: 4105 } });
  expect(await c.login({ name: 'alice', pwd: bigPwd })).toMatchObject({ error: { code: 4104 } });
  const ok = await c.login({ name: 'alice', pwd: PWD, resource: 'phone' });
  expect(ok).toMatchObject({ ok: true });
  const token = ok.token!;
  const secret = token.split('.').pop()!;
  await c.close();
  await waitFor(() => gw.service.local.size === 0);

  const r = await connect(gw);
  expect(await r.login({ name: 'alice', token })).toMatchObject({ ok: true });
  const forged = `${token.slice(0, -4)}AAAA`;
  const j = await connect(gw, { format: 'json' });
  expect(await j.login({ name: 'alice', token: forged })).toMatchObject({ error: { code: 4115 } });
  const g = await connect(gw, { format: 'json' }); // a flagged AUTH makes the connection JSON, even a bad one
  await g.sendRaw(Buffer.concat([Buffer.from([ClientType.AUTH | JSON_FLAG]), Buffer.from(`{"name":"alice","pwd":"${wrongPwd}",`)]), true);
  await g.sendRaw(encodeFrame('clientIn', ClientType.KICK, { ssid: [PWD] }), true);
  await r.logout();
  await gw.close();
  logger.flush();
  await waitFor(() => readFileSync(file, 'utf8').includes('"msg":"stopped"'), 5000, 'the log to be written');

  const text = readFileSync(file, 'utf8');
  expect(text).toContain('"msg":"logged in"');
  expect(text).toContain('"msg":"login refused"');
  expect(text).toContain('"msg":"bad frame"');
  for (const s of [PWD, wrongPwd, bigPwd.slice(0, 30), token, secret, forged]) expect(text).not.toContain(s);
});

it('auth_url, jwt and webhook secrets, passwords and tokens sent to the user service never reach the logs', async () => {
  const file = join(tempDir(), 'gateway.log');
  const logger = createLogger('trace', false, file);
  const failing = await startService((_r, res) => sendJson(res, { ok: false }, 500));
  const secrets = { auth: 'auth-secret-value-1', jwt: 'jwt-secret-value-2', url: 'url-password-3', pwd: 'user-password-4', token: 'app-token-value-5', webhook: 'webhook-secret-6', query: 'query-key-7' };
  const url = new URL(failing.url);
  url.username = 'svc';
  url.password = secrets.url;
  url.searchParams.set('key', secrets.query);
  const gw = await startGateway({ log_level: 'trace', auth_url: url.toString(), auth_secret: secrets.auth, jwt: { secret: secrets.jwt }, webhooks: [{ url: url.toString(), secret: secrets.webhook }] }, { logger });
  const c = await connect(gw);
  expect(await c.login({ name: 'alice', pwd: secrets.pwd })).toMatchObject({ error: { code: 5104 } });
  expect(await c.login({ name: 'alice', token: secrets.token })).toMatchObject({ error: { code: 5104 } });
  await waitFor(() => failing.requests.length >= 3, 5000, 'a webhook batch');
  await gw.close();
  logger.flush();
  await waitFor(() => readFileSync(file, 'utf8').includes('"msg":"stopped"'), 5000, 'the log to be written');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('"msg":"auth_url call failed: login refused"');
  expect(text).toContain('"msg":"webhook delivery failed: will retry"');
  for (const s of Object.values(secrets)) expect(text).not.toContain(s);
});
