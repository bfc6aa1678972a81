import { randomBytes } from 'node:crypto';
import type { CliArgs } from './cli-args.js';

/** A password chosen by the operator (`--password`, or `--password-stdin` to keep it out of shell history) or generated. */
export type ChosenPassword = { readonly password: string; readonly generated: boolean };

export async function choosePassword(values: CliArgs['values'], stdin: NodeJS.ReadableStream = process.stdin): Promise<ChosenPassword> {
  if (values.password !== undefined && values['password-stdin'] === true) throw new Error('give --password or --password-stdin, not both');
  if (values.password !== undefined) return { password: values.password, generated: false };
  if (values['password-stdin'] === true) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    // One line, as `echo secret | …` or a password manager's pipe sends it: the final line break is not part of it.
    return { password: text.replace(/\r?\n$/, ''), generated: false };
  }
  return { password: randomBytes(12).toString('base64url'), generated: true };
}
