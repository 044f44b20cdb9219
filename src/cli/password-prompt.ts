/**
 * The password of `partners set-password`: `PASSERELLE_PASSWORD`, else piped standard input, else (a
 * terminal) asked twice with the typing hidden, until it follows the platform's rule.
 */
import { readFileSync } from 'node:fs';
import { checkPasswordRule } from '../gateway/sftp/password.ts';

/** Reads one line from the terminal in raw mode, echoing nothing (prompt on stderr: stdout may be piped). */
function askHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (err?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003' || ch === '\u0004') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    // Raw (no echo) before the prompt shows: what is typed after it is never echoed.
    input.setRawMode(true);
    input.resume();
    input.on('data', onData);
    process.stderr.write(prompt);
  });
}

export async function readNewPassword(code: string): Promise<string> {
  const fromEnv = process.env.PASSERELLE_PASSWORD;
  if (fromEnv !== undefined) return fromEnv.trim();
  // A pipe or a file: read it whole (no prompt). A terminal: ask (readFileSync(0) on a TTY fails with EAGAIN).
  if (!process.stdin.isTTY) return readFileSync(0, 'utf8').trim();
  for (let attempt = 1; attempt <= 3; attempt++) {
    const first = await askHidden(`New password for ${code}: `);
    const weak = checkPasswordRule(first);
    if (weak) {
      process.stderr.write(`${weak}\n`);
      continue;
    }
    const again = await askHidden('Same password again: ');
    if (again === first) return first;
    process.stderr.write('The two entries differ / les deux saisies diffèrent\n');
  }
  throw new Error('no password set (3 attempts)');
}
