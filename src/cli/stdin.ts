import { createInterface } from 'node:readline';

/** Most bytes read from a pipe for one secret (a line longer than any field the gateway accepts). */
const MAX_PIPED_SECRET_BYTES = 64 * 1024;

/**
 * Reads a secret from standard input: the first line when piped, or typed at
 * a prompt without echo when stdin is a terminal.
 */
export async function readSecret(prompt = 'Password: '): Promise<string> {
  if (!process.stdin.isTTY) {
    // up to the first newline (or the end, or a bound): a writer that keeps the pipe open after the line is not waited for
    const chunks: Buffer[] = [];
    let read = 0;
    for await (const c of process.stdin) {
      const chunk = c as Buffer;
      chunks.push(chunk);
      read += chunk.length;
      if (chunk.includes(0x0a) || read >= MAX_PIPED_SECRET_BYTES) break;
    }
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const out = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(prompt);
  out._writeToOutput = () => {};
  const line = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return line;
}
