import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildConfig, loadConfig } from '../src/config/load.js';
import { defaults } from '../src/config/defaults.js';
import { limitsFor } from '../src/policy/limits.js';
import { configProblem, tempDir } from './helpers.js';

describe('config', () => {
  it('an empty object gives the defaults, frozen', () => {
    const c = buildConfig({});
    expect(c.device_limit).toBe(1);
    expect(c.client_listen).toBe(defaults.client_listen);
    expect(c.admin_listen).toBe('127.0.0.1:20002');
    expect(c.overentry).toBe('reject');
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.login_rate_ip)).toBe(true);
  });

  it('accepts Tim aliases device.limit and devicetype.limit, also in domains', () => {
    const c = buildConfig({ 'device.limit': 3, 'devicetype.limit': 2, domains: { a: { 'device.limit': 5 } } });
    expect([c.device_limit, c.devicetype_limit, c.domains.a!.device_limit]).toEqual([3, 2, 5]);
  });

  it.each([
    [{ devise_limit: 1 }, 'key "devise_limit" is not a known key'],
    [{ device_limit: 'a' }, 'key "device_limit" must be an integer from 1'],
    [{ device_limit: 0 }, 'key "device_limit" must be an integer from 1'],
    [{ devicetype_limit: 1.5 }, 'key "devicetype_limit" must be an integer'],
    [{ overentry: 'kick-all' }, 'key "overentry" must be one of "reject", "kick"'],
    [{ 'device.limit': 1, device_limit: 2 }, 'tim.json: key "device_limit" clashes with "device.limit": set only one'],
    [{ device_limit: 1, 'device.limit': 2 }, 'tim.json: key "device.limit" clashes with "device_limit": set only one'],
    [{ domains: { acme: { 'devicetype.limit': 1, devicetype_limit: 2 } } }, 'tim.json: key "domains" ["acme"].devicetype_limit clashes with "devicetype.limit": set only one'],
    [{ client_listen: 'localhost' }, 'key "client_listen" must be "host:port"'],
    [{ client_listen: ':70000' }, 'key "client_listen" must be "host:port"'],
    [{ domains: { acme: { device_limit: -1 } } }, 'key "domains" ["acme"].device_limit must be an integer'],
    [{ domains: { acme: { colour: 1 } } }, 'key "domains" ["acme"].colour is not a known key'],
    [{ admins: [{ name: 'a' }] }, 'key "admins" [0].pwd must be a string'],
    [{ admins: [{ name: 'a', pwd: 'plain text' }] }, 'key "admins" [0].pwd is not a password hash (make one with tim-gateway hash-password)'],
    [{ redis: { url: 'http://x' } }, 'key "redis" url must be a redis://'],
    [{ redis: { url: 'redis://127.0.0.1:6379/abc' } }, 'tim.json: key "redis" url must have no path or a database number as its path, like /0'],
    [{ redis: { url: 'redis://127.0.0.1:6379/0/' } }, 'tim.json: key "redis" url must have no path or a database number as its path'],
    [{ redis: { url: 'redis://127.0.0.1:99999' } }, 'tim.json: key "redis" url is not a URL (a port is 1 to 65535'],
    [{ redis: { url: 'redis://127.0.0.1:notaport' } }, 'tim.json: key "redis" url is not a URL'],
    [{ redis: { url: 'redis://:pa#ss@127.0.0.1' } }, 'tim.json: key "redis" url is not a URL'],
    [{ redis: { url: 'redis://127.0.0.1:0' } }, 'tim.json: key "redis" url has port 0'],
    [{ redis: { url: 'redis://' } }, 'tim.json: key "redis" url has no host'],
    [{ redis: { url: 'redis:///0' } }, 'tim.json: key "redis" url has no host'],
    [{ redis: { url: 'redis://127.0.0.1/0?db=3' } }, 'tim.json: key "redis" url must have no ?query or #fragment'],
    [{ redis: { url: 'redis://127.0.0.1/0#x' } }, 'tim.json: key "redis" url must have no ?query or #fragment'],
    [{ redis: { url: 'redis://:%zz@127.0.0.1' } }, 'tim.json: key "redis" url has a malformed %-escape in its user or password'],
    [{ redis: { url: 'redis://loc%61lhost' } }, 'tim.json: key "redis" url has a %-escape in its host'],
    [{ redis: { cluster: ['127.0.0.1:0'] } }, 'tim.json: key "redis" cluster must be a non-empty array of "host:port" strings (port 1 to 65535)'],
    [{ redis: { sentinels: ['127.0.0.1:0'], name: 'm' } }, 'tim.json: key "redis" sentinels must be a non-empty array of "host:port" strings (port 1 to 65535)'],
    [{ redis: { url: 'redis://x', cluster: ['127.0.0.1:7000'] } }, 'key "redis" must set exactly one of "url", "cluster", "sentinels" (found url, cluster)'],
    [{ redis: { prefix: 'x:' } }, 'key "redis" must set exactly one of "url", "cluster", "sentinels" (found none)'],
    [{ redis: { cluster: ['no-port'] } }, 'key "redis" cluster must be a non-empty array of "host:port" strings'],
    [{ redis: { cluster: [] } }, 'key "redis" cluster must be a non-empty array'],
    [{ redis: { sentinels: ['127.0.0.1:26379'] } }, 'key "redis" "name" (the Sentinel master name) goes with "sentinels"'],
    [{ redis: { url: 'redis://127.0.0.1', write_concurrency: 0 } }, 'tim.json: key "redis" write_concurrency must be an integer from 1 to 100000'],
    [{ redis: { url: 'redis://127.0.0.1', write_queue: 1.5 } }, 'tim.json: key "redis" write_queue must be an integer from 0 to 10000000'],
    [{ redis: { url: 'redis://x', name: 'm' } }, 'key "redis" "name" (the Sentinel master name) goes with "sentinels"'],
    [{ redis: { url: 'redis://x', prefix: 'a{b}' } }, 'key "redis" prefix must be a string without { or }'],
    [{ auth_timeout: 0 }, 'key "auth_timeout" must be a number from'],
    [{ ssl_certificate: 'a.pem' }, 'key "ssl_certificate_key" must be set together'],
    [{ login_rate_ip: { per_second: 1 } }, 'key "login_rate_ip" must set both'],
    [{ client_listen: ':20002', admin_listen: '127.0.0.1:20002' }, 'key "admin_listen" must not use the port of client_listen'],
    [{ client_listen: '127.0.0.1:20003', admin_listen: '127.0.0.1:20003' }, 'key "admin_listen" must not use the port of client_listen'],
    [[], 'must hold a JSON object'],
  ])('%j is refused naming the key', (raw, want) => {
    const msg = configProblem(raw);
    expect(msg.startsWith('tim.json')).toBe(true);
    expect(msg).toContain(want);
  });

  // (written as JSON text: JSON.parse makes "__proto__" an own key, as it does reading tim.json)
  it.each([
    ['{"redis": {"url": "redis://127.0.0.1:6379", "isPrototypeOf": 3}}', 'tim.json: key "redis" isPrototypeOf is not a known key'],
    ['{"redis": {"url": "redis://127.0.0.1:6379", "hasOwnProperty": 3}}', 'tim.json: key "redis" hasOwnProperty is not a known key'],
    ['{"login_rate_ip": {"per_second": 1, "burst": 2, "isPrototypeOf": 1}}', 'tim.json: key "login_rate_ip" isPrototypeOf is not a known key'],
    ['{"isPrototypeOf": 1}', 'tim.json: key "isPrototypeOf" is not a known key'],
    ['{"constructor": 1}', 'tim.json: key "constructor" is not a known key'],
    ['{"__proto__": 1}', 'tim.json: key "__proto__" is not a known key'],
    ['{"__proto__": {"device_limit": 0}}', 'tim.json: key "__proto__" is not a known key'],
    ['{"domains": {"acme": {"constructor": 1}}}', 'tim.json: key "domains" ["acme"].constructor is not a known key'],
    ['{"domains": {"acme": {"__proto__": 1}}}', 'tim.json: key "domains" ["acme"].__proto__ is not a known key'],
  ])('%s: a key named like an Object.prototype member is unknown, named as written', (json, want) => {
    expect(configProblem(JSON.parse(json))).toBe(want);
  });

  it('a domain named "__proto__" gets its overrides like any other domain', () => {
    const c = buildConfig(JSON.parse('{"domains": {"__proto__": {"device_limit": 3}}}'));
    expect(limitsFor(c, '__proto__').deviceLimit).toBe(3);
    expect(limitsFor(c, 'other').deviceLimit).toBe(1);
  });

  it.each(['redis://127.0.0.1', 'redis://127.0.0.1:6379/', 'redis://:p%40ss@redis.internal:6380/15', 'rediss://user:pw@[::1]:6380/0'])('redis.url %s is accepted', (url) => {
    expect(buildConfig({ redis: { url } }).redis?.url).toBe(url);
  });

  it('loadConfig names the file for unreadable and non-JSON files, and resolves paths against it', () => {
    const dir = tempDir();
    const file = join(dir, 'tim.json');
    expect(() => loadConfig(file)).toThrow(`${file}: cannot be read: ENOENT`);
    writeFileSync(file, '{ "device_limit": 2, }');
    expect(() => loadConfig(file)).toThrow(`${file}: is not valid JSON`);
    writeFileSync(file, JSON.stringify({ device_limit: 2 }));
    expect(loadConfig(file)).toMatchObject({ device_limit: 2, baseDir: dir });
  });
});
