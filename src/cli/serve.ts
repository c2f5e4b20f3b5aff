import { loadConfig } from '../config/load.js';
import { Gateway } from '../gateway.js';
import { createLogger } from '../logger.js';

/**
 * `tim-gateway serve -c tim.json`: runs a gateway until SIGTERM or SIGINT,
 * logging human-readable lines on a terminal and JSON lines otherwise,
 * then shuts down cleanly (exit 0) within shutdown_timeout, or exit 1 when the
 * node's sessions could not be removed from the table; a second signal exits
 * at once (exit 130).
 */
export async function serve(configFile: string, pretty: boolean | undefined): Promise<Gateway> {
  const config = loadConfig(configFile);
  // --pretty / --json-logs decide; else log_pretty, else human-readable on a terminal and JSON lines otherwise
  const logger = createLogger(config.log_level, pretty ?? (config.log_pretty || process.stdout.isTTY === true));
  const gateway = await Gateway.start(config, { logger });
  let signalled = false;
  const stop = (signal: string): void => {
    if (signalled) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    signalled = true;
    logger.info({ signal }, 'signal received');
    setTimeout(() => {
      logger.error('shutdown took longer than shutdown_timeout: exiting');
      process.exit(1);
    }, config.shutdown_timeout * 1000).unref();
    gateway.close().then(
      () => logger.flush(() => process.exit(gateway.sessionsLeft ? 1 : 0)),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return gateway;
}
