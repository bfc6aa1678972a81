import { agentsCommand } from './cli/agents-command.js';
import { backupCommand } from './cli/backup-command.js';
import { cliArgs } from './cli/cli-args.js';
import { keysCommand } from './cli/keys-command.js';
import { widgetsCommand } from './cli/widgets-command.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './store/database.js';

const USAGE = `Usage: npm run parley -- <command>

  keys create --name <name>            create an admin API key (printed once)
  keys list                            list admin API keys
  keys revoke <id>                     revoke an admin API key

  agents list                          list console accounts
  agents create --email <email> --name <name> [--role admin|agent] [--password <p> | --password-stdin]
                                       create a console account (a generated password is printed once)
  agents reset-password <email> [--password <p> | --password-stdin]
                                       set a new console password (generated and printed once unless given)
                                       and sign that account out everywhere

  backup <file>                        copy the SQLite database to a new file while the server runs

  widgets apply <file.json> [--dry-run]
                                       create or update a widget from a parley.widget/1 document
                                       (GET /v1/widgets/{id}/export), or a blueprint from a
                                       parley.blueprint/1 one, and print the changes; idempotent

Uses the same PARLEY_* environment as the server (PARLEY_DATA_DIR, PARLEY_DATABASE_URL).`;

const GROUPS = new Set(['keys', 'agents', 'backup', 'widgets']);

async function run(argv: readonly string[]): Promise<number> {
  const args = cliArgs(argv);
  const { group, command } = args;
  if (args.values.help === true || group === undefined || !GROUPS.has(group) || (group !== 'backup' && command === undefined)) {
    console.log(USAGE);
    return args.values.help === true ? 0 : 2;
  }
  const config = loadConfig();
  const database = await openDatabase(config.storage);
  try {
    const code =
      group === 'keys'
        ? await keysCommand(database, args)
        : group === 'agents'
          ? await agentsCommand(database, args)
          : group === 'widgets'
            ? await widgetsCommand(database, args, { reviewBeforePublish: config.reviewBeforePublish })
            : await backupCommand(database, command);
    if (code === 2 && group !== 'backup') console.log(USAGE);
    return code;
  } finally {
    await database.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`parley: ${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
