// Where a passphrase comes from: $COGNIFY_PASSPHRASE (scripts, CI; takes precedence even on a
// terminal), else a prompt on the terminal with echo off, else an error: never read a secret
// from a pipe, where it could silently be the next line of someone's data.

import { StringDecoder } from 'node:string_decoder';
import { KeystoreError } from '../core/errors.js';

export interface GetPassphraseOptions {
  env?: NodeJS.ProcessEnv;
  /** Shown on stderr, e.g. "Passphrase for ab12cd34ef56ab78 (ada@example.org): ". */
  prompt: string;
  /** Ask twice and require both to be equal (new keys, new passphrases). */
  confirm?: boolean;
  stdin?: NodeJS.ReadStream;
  stderr?: NodeJS.WriteStream;
}

export async function getPassphrase(opts: GetPassphraseOptions): Promise<string> {
  const env = opts.env ?? process.env;
  const fromEnv = env.COGNIFY_PASSPHRASE;
  if (fromEnv !== undefined) return fromEnv;

  const stdin = opts.stdin ?? process.stdin;
  const stderr = opts.stderr ?? process.stderr;
  if (!stdin.isTTY || typeof stdin.setRawMode !== 'function') {
    throw new KeystoreError('PASSPHRASE_MISSING', 'no passphrase: set COGNIFY_PASSPHRASE or run in a terminal');
  }
  const first = await readHidden(stdin, stderr, opts.prompt);
  if (!opts.confirm) return first;
  const second = await readHidden(stdin, stderr, 'Repeat the passphrase: ');
  if (first !== second) throw new KeystoreError('PASSPHRASE_MISSING', 'the two passphrases differ; try again');
  return first;
}

/**
 * Read one line in raw mode (no echo). Enter ends it; Backspace deletes a character; Ctrl-U
 * clears the line; Ctrl-C, or Ctrl-D on an empty line, cancels; escape sequences (arrow keys)
 * and other control characters are ignored.
 */
function readHidden(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    const chars: string[] = []; // code points, so Backspace removes a whole character
    let esc: 0 | 1 | 2 = 0; // 1 after ESC, 2 inside a CSI "ESC [ ... final"
    const wasRaw = stdin.isRaw;

    const finish = (err: Error | undefined, value?: string): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const onEnd = (): void => finish(new KeystoreError('PASSPHRASE_MISSING', 'no passphrase: input ended'));
    const onError = (e: Error): void => finish(new KeystoreError('PASSPHRASE_MISSING', `no passphrase: ${e.message}`, {}, e));
    const onData = (chunk: Buffer | string): void => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const ch of text) {
        if (esc === 1) {
          esc = ch === '[' || ch === 'O' ? 2 : 0;
          continue;
        }
        if (esc === 2) {
          if (ch >= '@' && ch <= '~') esc = 0; // final byte of a CSI sequence (ECMA-48 §5.4)
          continue;
        }
        switch (ch) {
          case '\r':
          case '\n':
            return finish(undefined, chars.join(''));
          case '\u0003': // Ctrl-C
            return finish(new KeystoreError('PASSPHRASE_MISSING', 'cancelled'));
          case '\u0004': // Ctrl-D
            if (chars.length === 0) return finish(new KeystoreError('PASSPHRASE_MISSING', 'cancelled'));
            return finish(undefined, chars.join(''));
          case '\u007f': // DEL, what most terminals send for Backspace
          case '\b':
            chars.pop();
            break;
          case '\u0015': // Ctrl-U
            chars.length = 0;
            break;
          case '\u001b':
            esc = 1;
            break;
          default:
            if (ch >= ' ' && !(ch >= '\u0080' && ch <= '\u009f')) chars.push(ch); // skip C0/C1 controls
        }
      }
    };

    stderr.write(prompt);
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}
