/**
 * Loading the configuration: tim.json parsed, aliases normalized, validated,
 * merged over the defaults and frozen. Every problem is a ConfigError naming
 * the file and the key.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { defaults, type Config } from './defaults.js';
import { aliasClash, normalizeAliases, validate } from './schema.js';

/** A configuration problem; `message` names the file and the key. */
export class ConfigError extends Error {
  constructor(readonly file: string, readonly key: string, problem: string) {
    super(key ? `${file}: key "${key}" ${problem}` : `${file}: ${problem}`);
    this.name = 'ConfigError';
  }
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

/**
 * Builds a Config from a tim.json-shaped object. `file` is used in messages and
 * `baseDir` to resolve relative paths. Tests use this to configure gateways
 * without writing files.
 */
export function buildConfig(raw: unknown, file = '<config>', baseDir = process.cwd()): Config {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, '', 'must hold a JSON object');
  }
  const clash = aliasClash(raw as Record<string, unknown>);
  if (clash) throw new ConfigError(file, clash[0], clash[1]);
  const obj = normalizeAliases(raw as Record<string, unknown>);
  const bad = validate(obj);
  if (bad) throw new ConfigError(file, bad[0], bad[1]);
  // (fromEntries: a domain named "__proto__" is a domain like any other, not the object's prototype)
  const domains = Object.fromEntries(
    Object.entries((obj.domains as Record<string, Record<string, unknown>>) ?? {}).map(([d, o]) => [d, normalizeAliases(o)]),
  );
  const merged = { ...structuredClone(defaults), ...obj, domains, baseDir, file };
  return deepFreeze(merged) as Config;
}

/** Reads and validates a tim.json file. */
export function loadConfig(path: string): Config {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(path, '', `cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(path, '', `is not valid JSON: ${(e as Error).message}`);
  }
  return buildConfig(raw, path, dirname(file));
}

/** Resolves a path from the config (users file, certificates) against tim.json's folder. */
export function configPath(config: Config, p: string): string {
  return resolve(config.baseDir, p);
}
