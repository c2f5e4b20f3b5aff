/**
 * What a gateway process loads (issue 16, start-up cost): an embedded gateway
 * without `jwt` loads neither jose (the JWT library) nor ioredis; with `jwt`
 * set, jose is loaded and JWT logins work as before (test/jwt.test.ts).
 * Node's own ESM loader tells which files it loads (NODE_DEBUG=esm).
 */
import { describe, expect, it } from 'vitest';
import { serveGateway } from './helpers.js';

const esmDebug = { env: { NODE_DEBUG: 'esm' } };

describe('modules a gateway process loads', () => {
  it('an embedded gateway without jwt loads neither jose nor ioredis; one with jwt loads jose', async () => {
    const plain = await serveGateway({}, esmDebug);
    expect(plain.stderr).toContain('/dist/src/gateway.js'); // the loader's log is there
    expect(plain.stderr).not.toContain('/node_modules/jose/');
    expect(plain.stderr).not.toContain('/node_modules/ioredis/');

    const withJwt = await serveGateway({ jwt: { secret: 'a shared secret of the identity service' } }, esmDebug);
    expect(withJwt.stderr).toContain('/node_modules/jose/');
  });
});
