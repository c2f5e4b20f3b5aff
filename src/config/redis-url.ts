/**
 * The form of `redis.url`: redis://[[user]:password@]host[:port][/db], or
 * rediss:// for TLS. ioredis reads a URL with WHATWG URL and takes what it
 * finds without complaint: no host means localhost, the path's text is the DB
 * index (`/abc` becomes SELECT NaN), every query item becomes a client option,
 * a fragment is dropped, and an unparsable URL throws a bare "Invalid URL"
 * when the client is built. Anything but the form above is refused here, so
 * the URL means what it says.
 */

/** Why `url` is not of the form above (a sentence to follow the key), or null when it is. */
export function redisUrlProblem(url: unknown): string | null {
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) return 'must be a redis:// or rediss:// URL';
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL (a port is 1 to 65535; percent-encode @ : / ? # % in a user or password)';
  }
  if (u.hostname === '') return 'has no host';
  // (ioredis connects to the host as written: it does not decode it)
  if (u.hostname.includes('%')) return 'has a %-escape in its host';
  if (u.port === '0') return 'has port 0 (a port is 1 to 65535)';
  if (!/^(\/(\d{1,9})?)?$/.test(u.pathname)) return 'must have no path or a database number as its path, like /0';
  if (u.search !== '' || u.hash !== '') return 'must have no ?query or #fragment (percent-encode ? and # in a password)';
  try {
    decodeURIComponent(u.username);
    decodeURIComponent(u.password);
  } catch {
    return 'has a malformed %-escape in its user or password';
  }
  return null;
}
