/**
 * The npm package as a user gets it: `npm pack` on a clean copy of the tree
 * (its `prepare` builds dist/), the tarball installed into a fresh folder
 * (npm's cache first, the registry only for what it lacks), then the bin, the three entry points in Node and
 * their types in a fresh TypeScript project. Slow (a full build and two
 * installs): it is one test.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-root.js';
import { cheapHash } from './support/cheap-hash.js';
import { tempDir } from './support/temp-dir.js';

const exec = promisify(execFile);

/** This environment without npm's per-script variables (npm test sets them), so child npm commands behave as typed by hand. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') || k === 'npm_config_cache'));

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    return (await exec(cmd, args, { cwd, env, maxBuffer: 32 * 2 ** 20 })).stdout;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`, { cause: e });
  }
}

/** A copy of the files git would commit (tracked and new, not ignored), with this checkout's node_modules linked for the build. */
async function cleanCopy(): Promise<string> {
  const dir = join(tempDir(), 'tim-gateway');
  const files = (await run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], packageRoot))
    .split('\0')
    .filter((f) => f && !/^(node_modules|dist)(\/|$)/.test(f) && existsSync(join(packageRoot, f)));
  for (const f of files) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    cpSync(join(packageRoot, f), join(dir, f), { force: true, errorOnExist: false });
  }
  symlinkSync(join(packageRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Runs an ES module script in `cwd` and returns its stdout. */
function node(cwd: string, file: string, source: string): Promise<string> {
  writeFileSync(join(cwd, file), source);
  return run(process.execPath, [file], cwd);
}

describe('npm package', () => {
  it('packs from a clean tree, installs from the npm cache, runs its bin, imports server, client and admin entries and type-checks', async () => {
    const src = await cleanCopy();
    const out = tempDir();
    const [packed] = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', out], src)) as { filename: string; files: { path: string }[] }[];
    const shipped = packed!.files.map((f) => f.path);
    expect(shipped).toEqual(expect.arrayContaining(['package.json', 'LICENSE', 'README.md', 'dist/src/cli/main.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/client/client.d.ts', 'proto/tim.proto', 'src/session/lua/lib.lua', 'dist/web/dashboard/index.html', 'dist/web/dashboard/app.js', 'dist/web/dashboard/style.css', 'dist/web/demo/index.html', 'dist/web/demo/app.js', 'dist/web/demo/tim-client.js', 'dist/browser/tim-client.js']));
    const pictures = [...new Set(readFileSync(join(packageRoot, 'README.md'), 'utf8').match(/docs\/[\w/.-]+\.png/g))];
    expect(pictures.length).toBeGreaterThan(0);
    expect(shipped, 'every picture README shows ships beside it').toEqual(expect.arrayContaining(pictures));
    const unwanted = shipped.filter((p) => /^(test|bench|soak)\/|^(tim|users)\.json$|\.ts$(?<!\.d\.ts)|\.map$/.test(p));
    expect(unwanted, 'tests, bench, soak, demo accounts or sources in the tarball').toEqual([]);

    const app = tempDir();
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, type: 'module' }));
    const ours = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
    const devDeps = ['typescript', '@types/node'].map((d) => `${d}@${ours.devDependencies[d]}`); // what a fresh TypeScript project installs
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, packed!.filename), ...devDeps], app);

    expect(await run('npx', ['--offline', 'tim-gateway', '--help'], app)).toMatch(/tim-gateway <command>[\s\S]*serve[\s\S]*login/);
    expect(await run('npx', ['--offline', 'tim-gateway', '--version'], app)).toBe(`${ours.version}\n`); // its own, not the app's 1.0.0

    // the entries work: a gateway started from the package, a client of the package logs in, the admin client is there
    writeFileSync(join(app, 'users.json'), JSON.stringify([{ domain: '', name: 'alice', pwd: await cheapHash('pw') }]));
    const result = await node(
      app,
      'run.js',
      `import { Gateway, buildConfig, createLogger } from 'tim-gateway';
       import { TimClient } from 'tim-gateway/client';
       import { TimAdminClient } from 'tim-gateway/admin';
       const config = buildConfig({ client_listen: '127.0.0.1:0', admin_listen: '127.0.0.1:0', users: 'users.json' }, 'tim.json', process.cwd());
       const gw = await Gateway.start(config, { logger: createLogger('silent', false) });
       const c = await TimClient.connect(gw.clientUrl);
       const ack = await c.login({ name: 'alice', pwd: 'pw' });
       c.terminate();
       await gw.close();
       console.log(JSON.stringify({ ok: ack.ok, admin: typeof TimAdminClient.connect }));`,
    );
    expect(JSON.parse(result)).toEqual({ ok: true, admin: 'function' });

    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['check.ts'] }),
    );
    writeFileSync(
      join(app, 'check.ts'),
      `import { TimClient, type TimClientOptions } from 'tim-gateway/client';
       import { TimAdminClient } from 'tim-gateway/admin';
       import { Gateway, type Config } from 'tim-gateway';
       const options: TimClientOptions = {};
       export async function main(config: Config): Promise<boolean> {
         const gw: Gateway = await Gateway.start(config);
         const c = await TimClient.connect(gw.clientUrl, options);
         const ack = await c.login({ name: 'alice', pwd: 'pw', termtyp: 1 });
         const admin: Promise<TimAdminClient> = TimAdminClient.connect(gw.adminUrl, { name: 'ops', pwd: 'x' });
         void admin;
         return ack.ok;
       }
       // @ts-expect-error: login takes an object, not a string
       void TimClient.prototype.login.call(null, 'alice');
      `,
    );
    await run(process.execPath, [join(app, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);
  }, 600_000);
});
