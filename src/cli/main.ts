#!/usr/bin/env node
/**
 * The `tim-gateway` command: argument parsing only (yargs); each command's
 * work lives in its own module, imported when that command runs, so a
 * command loads only what it uses (`user list` does not load the gateway,
 * ioredis or the clients: about half the start-up CPU of loading them all).
 */
import { readFileSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { defaults } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import { adminCommands } from './admin.js';

/** Prints why a command failed and exits: 2 for a bad tim.json (ConfigError), 1 for anything else, usage mistakes included. */
function fail(err: unknown): never {
  console.error(`tim-gateway: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}

/** Runs a command's work and prints its line(s), or fails with its error. */
async function print(work: () => Promise<string | string[]>): Promise<void> {
  try {
    for (const line of [await work()].flat()) console.log(line);
  } catch (e) {
    fail(e);
  }
}

/** --domain and --name of the account a `user` subcommand is about. */
const accountOptions = <T>(y: Argv<T>) =>
  y
    .option('domain', { type: 'string', default: '', describe: 'account domain ("" is a domain too)' })
    .option('name', { type: 'string', demandOption: true, describe: 'account name' });

await yargs(hideBin(process.argv))
  .scriptName('tim-gateway')
  .usage('$0 <command> [options]')
  .command(
    ['serve', '$0'],
    'run the gateway (embedded in-memory mode unless tim.json sets redis)',
    (y) =>
      y
        .option('config', { alias: 'c', type: 'string', default: 'tim.json', describe: 'path of tim.json' })
        .option('pretty', { type: 'boolean', describe: 'human-readable logs (the default when stdout is a terminal)' })
        .option('json-logs', { type: 'boolean', describe: 'JSON log lines even on a terminal (the default otherwise)' })
        .conflicts('pretty', 'json-logs'),
    async (a) => {
      const { serve } = await import('./serve.js');
      await serve(a.config, a.jsonLogs ? false : a.pretty).catch(fail);
    },
  )
  .command(
    'demo',
    'run a throw-away in-memory gateway serving the demo web app, with demo accounts (password printed once)',
    (y) =>
      y
        .option('listen', { type: 'string', default: `127.0.0.1${defaults.client_listen}`, describe: 'client listener (page and /tim), "host:port"' })
        .option('json-logs', { type: 'boolean', describe: 'JSON log lines even on a terminal' }),
    async (a) => {
      const { demo } = await import('./demo.js');
      await demo(a.listen, a.jsonLogs ? false : undefined).catch(fail);
    },
  )
  .command(
    'init [dir]',
    'write a first tim.json and users.json in dir, with a generated admin password printed once',
    (y) => y.positional('dir', { type: 'string', default: '.', describe: 'folder for tim.json and users.json' }),
    async (a) => {
      const { initFiles, initReport } = await import('./init.js');
      console.log(initReport(await initFiles(a.dir).catch(fail)));
    },
  )
  .command('hash-password', 'read a password on stdin, print its hash (for users.json and admins)', {}, async () => {
    const [{ readSecret }, { hashPassword }] = await Promise.all([import('./stdin.js'), import('../auth/password-hash.js')]);
    const pwd = await readSecret();
    if (!pwd) fail(new Error('empty password'));
    console.log(await hashPassword(pwd));
  })
  .command(
    'api-key',
    'print a new random HTTP API key and its api_keys entry for tim.json',
    (y) => y.option('name', { type: 'string', default: 'api', describe: 'name of the key (shown in logs)' }),
    async (a) => console.log((await import('./api-key.js')).apiKeyText(a.name)),
  )
  .command('user', 'manage accounts of the built-in authenticator (the users file of tim.json)', (y) =>
    y
      .option('config', { alias: 'c', type: 'string', default: 'tim.json', describe: 'path of tim.json' })
      .command('add', 'add or replace an account (password on stdin)', accountOptions, (a) => print(async () => (await import('./user.js')).userAdd(String(a.config), a.domain, a.name)))
      .command(
        'list',
        'print the accounts, one "domain"/name per line',
        (y2) => y2.option('domain', { type: 'string', describe: 'only this domain' }).option('json', { type: 'boolean', default: false, describe: 'JSON lines' }),
        (a) => print(async () => (await import('./user.js')).userList(a.config, a.domain, a.json)),
      )
      .command('remove', 'remove an account (its open sessions stay until they end)', accountOptions, (a) => print(async () => (await import('./user.js')).userRemove(String(a.config), a.domain, a.name)))
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
        .option('termtyp', { type: 'string', default: '0', describe: 'terminal type 0..127' })
        .option('resource', { type: 'string', default: 'cli', describe: 'device description' })
        .option('kick', { type: 'array', string: true, default: [] as string[], describe: 'ssids of your own sessions to log out first' })
        .option('token', { type: 'string', describe: 'log in with a resume or login token instead of a password' })
        .option('json', { type: 'boolean', default: false, describe: 'print JSON lines' }),
    async (a) => {
      try {
        const { login } = await import('./login.js');
        process.exitCode = await login({ url: a.url, name: a.name, domain: a.domain, termtyp: a.termtyp, resource: a.resource, kick: a.kick.map(String), token: a.token, json: a.json });
      } catch (e) {
        fail(e);
      }
    },
  )
  .command('admin', 'drive a running gateway through its admin socket (password from TIM_ADMIN_PASSWORD or stdin)', adminCommands)
  .demandCommand(0)
  // its own package.json (two folders above dist/src/cli), not whichever yargs would find from the working folder
  .version((JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version)
  .strict()
  .help()
  .parseAsync();
