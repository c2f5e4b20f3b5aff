/**
 * TLS: with ssl_certificate and ssl_certificate_key the client listener serves
 * wss, and with admin_tls the admin listener serves https (and wss). The
 * certificate is generated at test time with the openssl CLI (present on a
 * fresh Debian machine; the tests are skipped, saying so, when it is not).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect, PWD, startGateway, tempDir } from './helpers.js';

const openssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A self-signed P-256 certificate for 127.0.0.1 and localhost, valid one day: [certificate file, key file, certificate PEM]. */
function selfSigned(): { cert: string; key: string; pem: string } {
  const dir = tempDir();
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore' },
  );
  return { cert, key, pem: readFileSync(cert, 'utf8') };
}

/** GET over https trusting `ca`; resolves with the status code. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsGet(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on('error', reject);
  });
}

describe.skipIf(!openssl)('TLS (openssl CLI generates the certificate)', () => {
  it('serves wss on the client listener: a client trusting the certificate logs in, others are refused', async () => {
    const { cert, key, pem } = selfSigned();
    const gw = await startGateway({ ssl_certificate: cert, ssl_certificate_key: key });
    expect(gw.clientUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/tim$/);
    const c = await connect(gw, { ws: { ca: pem } });
    expect(await c.login({ name: 'alice', pwd: PWD })).toMatchObject({ ok: true });
    await expect(connect(gw)).rejects.toThrow(/self-signed|self signed/);
    await expect(connect(gw.clientUrl.replace('wss:', 'ws:'))).rejects.toThrow();
    expect(gw.adminHttpUrl).toMatch(/^http:\/\//);
  });

  it('serves https and wss on the admin listener when admin_tls is set', async () => {
    const { cert, key, pem } = selfSigned();
    const gw = await startGateway({ ssl_certificate: cert, ssl_certificate_key: key, admin_tls: true });
    expect(gw.adminHttpUrl).toMatch(/^https:\/\//);
    expect(gw.adminUrl).toMatch(/^wss:\/\//);
    expect(await httpsStatus(`${gw.adminHttpUrl}/healthz`, pem)).toBe(200);
    await expect(httpsStatus(`${gw.adminHttpUrl}/healthz`, '')).rejects.toThrow();
  });

  it('refuses to start with a config error naming the key when the certificate is missing or not PEM', async () => {
    const { cert, key } = selfSigned();
    await expect(startGateway({ ssl_certificate: cert, ssl_certificate_key: '/nonexistent/key.pem' })).rejects.toThrow(
      /key "ssl_certificate_key" cannot be read: ENOENT/,
    );
    await expect(startGateway({ ssl_certificate: key, ssl_certificate_key: key })).rejects.toThrow(/key "ssl_certificate" and ssl_certificate_key are not a usable/);
    await expect(startGateway({ ssl_certificate: cert, ssl_certificate_key: cert })).rejects.toThrow(/key "ssl_certificate" and ssl_certificate_key are not a usable/);
  });
});
