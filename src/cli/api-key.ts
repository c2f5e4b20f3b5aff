/** `tim-gateway api-key`: a new HTTP API key and the api_keys entry that accepts it. */
import { newApiKey } from '../http/api-keys.js';

/** The text printed for a new key named `name`. */
export function apiKeyText(name: string): string {
  const { key, entry } = newApiKey(name);
  return [
    `API key "${name}" (send it as "Authorization: Bearer KEY"; only its hash is stored, so keep it now):`,
    key,
    'Add this entry to "api_keys" in tim.json:',
    JSON.stringify(entry),
  ].join('\n');
}
