/**
 * The package's server entry (`import { Gateway, loadConfig } from 'tim-gateway'`):
 * start a gateway in code from a tim.json file or an object of tim.json keys.
 *
 *   const gateway = await Gateway.start(loadConfig('tim.json'));
 *   console.log(gateway.clientUrl);
 *   await gateway.close();
 *
 * Browser and Node clients import 'tim-gateway/client'; backends driving the
 * admin socket import 'tim-gateway/admin'.
 */
export { Gateway, type GatewayOptions } from './gateway.js';
export { buildConfig, ConfigError, loadConfig } from './config/load.js';
export type { AdminAccount, Config, DomainOverrides, LogLevel, RateLimit, RedisOptions } from './config/defaults.js';
export { hashPassword, verifyPassword } from './auth/password-hash.js';
export { createLogger, type Logger } from './logger.js';
