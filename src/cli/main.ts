#!/usr/bin/env node
/**
 * The `tim-gateway` command: argument parsing only (yargs); each command's
 * work lives in its own module.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { hashPassword } from '../auth/password-hash.js';
import { upsertUser } from '../auth/password.js';
import { configPath, ConfigError, loadConfig } from '../config/load.js';
import { adminCommands } from './admin.js';
import { apiKeyText } from './api-key.js';
import { login } from './login.js';
import { serve } from './serve.js';
import { readSecret } from './stdin.js';

/** Prints a config or usage problem and exits 2. */
function fail(err: unknown): never {
  console.error(`tim-gateway: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

await yargs(hideBin(process.argv))
  .scriptName('tim-gateway')
  .usage('$0 <command> [options]')
  .command(
    ['serve', '$0'],
    'run the gateway (embedded in-memory mode unless tim.json sets redis)',
    (y) =>
      y
        .option('config', { alias: 'c', type: 'string', default: 'tim.json', describe: 'path of tim.json' })
        .option('pretty', { type: 'boolean', describe: 'human-readable logs instead of JSON lines' }),
    (a) => serve(a.config, a.pretty).catch(fail),
  )
  .command('hash-password', 'read a password on stdin, print its hash (for users.json and admins)', {}, async () => {
    const pwd = await readSecret();
    if (!pwd) fail(new Error('empty password'));
    console.log(await hashPassword(pwd));
  })
  .command(
    'api-key',
    'print a new random HTTP API key and its api_keys entry for tim.json',
    (y) => y.option('name', { type: 'string', default: 'api', describe: 'name of the key (shown in logs)' }),
    (a) => console.log(apiKeyText(a.name)),
  )
  .command('user', 'manage accounts of the built-in authenticator', (y) =>
    y
      .command(
        'add',
        'add or replace an account in the users file (password on stdin)',
        (y2) =>
          y2
            .option('config', { alias: 'c', type: 'string', default: 'tim.json', describe: 'path of tim.json' })
            .option('domain', { type: 'string', default: '', describe: 'account domain ("" is a domain too)' })
            .option('name', { type: 'string', demandOption: true, describe: 'account name' }),
        async (a) => {
          try {
            const config = loadConfig(a.config);
            const pwd = await readSecret();
            if (!pwd) throw new Error('empty password');
            const file = configPath(config, config.users);
            const replaced = upsertUser(file, { domain: a.domain, name: a.name, pwd: await hashPassword(pwd) });
            console.log(`${replaced ? 'replaced' : 'added'} ${JSON.stringify(a.name)} in domain ${JSON.stringify(a.domain)} (${file})`);
          } catch (e) {
            fail(e);
          }
        },
      )
      .demandCommand(1),
  )
  .command(
    'login',
    'log in as a client (password on stdin), print the ACK and every notice',
    (y) =>
      y
        .option('url', { type: 'string', default: 'ws://127.0.0.1:20003/tim' })
        .option('name', { type: 'string', demandOption: true })
        .option('domain', { type: 'string', default: '' })
        .option('termtyp', { type: 'number', default: 0, describe: 'terminal type 0..127' })
        .option('resource', { type: 'string', default: 'cli', describe: 'device description' })
        .option('kick', { type: 'array', string: true, default: [] as string[], describe: 'ssids of your own sessions to log out first' })
        .option('token', { type: 'string', describe: 'log in with a resume or login token instead of a password' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON lines' }),
    async (a) => {
      try {
        process.exitCode = await login({ url: a.url, name: a.name, domain: a.domain, termtyp: a.termtyp, resource: a.resource, kick: a.kick.map(String), token: a.token, json: a.json });
      } catch (e) {
        fail(e);
      }
    },
  )
  .command('admin', 'drive a running gateway through its admin socket (password from TIM_ADMIN_PASSWORD or stdin)', adminCommands)
  .demandCommand(0)
  .strict()
  .help()
  .parseAsync();
