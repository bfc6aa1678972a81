import { parseArgs } from 'node:util';

/** The options every command may read; each command checks the ones it needs. */
const OPTIONS = {
  name: { type: 'string' },
  email: { type: 'string' },
  role: { type: 'string' },
  password: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export interface CliArgs {
  readonly group: string | undefined;
  readonly command: string | undefined;
  readonly arg: string | undefined;
  readonly values: ReturnType<typeof parseCli>['values'];
}

function parseCli(argv: readonly string[]) {
  return parseArgs({ args: [...argv], allowPositionals: true, options: OPTIONS });
}

export function cliArgs(argv: readonly string[]): CliArgs {
  const { positionals, values } = parseCli(argv);
  const [group, command, arg] = positionals;
  return { group, command, arg, values };
}
