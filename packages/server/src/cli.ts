import { parseArgs } from 'node:util';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './auth/api-keys.js';
import { ConfigError, loadConfig } from './config.js';
import { ApiKeysStore } from './store/api-keys-store.js';
import { openDatabase } from './store/database.js';

const USAGE = `Usage: npm run parley -- <command>

  keys create --name <name>   create an admin API key (printed once)
  keys list                   list admin API keys
  keys revoke <id>            revoke an admin API key

Uses the same PARLEY_* environment as the server (PARLEY_DATA_DIR, PARLEY_DATABASE_URL).`;

async function run(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { name: { type: 'string' }, help: { type: 'boolean' } },
  });
  const [group, command, arg] = positionals;
  if (values.help === true || group !== 'keys' || command === undefined) {
    console.log(USAGE);
    return values.help === true ? 0 : 2;
  }
  const database = await openDatabase(loadConfig().storage);
  try {
    const keys = new ApiKeysStore(database.db);
    switch (command) {
      case 'create': {
        const name = values.name?.trim();
        if (name === undefined || name === '') {
          console.error('keys create needs --name <name>, e.g. --name "CI deploys"');
          return 2;
        }
        const key = generateApiKey();
        const row = await keys.create(name, hashApiKey(key), apiKeyPrefix(key));
        console.log(`Created ${row.id} (${name}). The key is shown this once:\n${key}`);
        return 0;
      }
      case 'list':
        for (const row of await keys.list())
          console.log(`${row.id}  ${row.prefix}…  ${row.name}  created ${row.created_at}  last used ${row.last_used_at ?? 'never'}`);
        return 0;
      case 'revoke':
        if (arg === undefined) {
          console.error('keys revoke needs the key id, e.g. keys revoke key_01J…');
          return 2;
        }
        if (!(await keys.delete(arg))) {
          console.error(`No API key has the id ${arg}; see keys list.`);
          return 1;
        }
        console.log(`Revoked ${arg}.`);
        return 0;
      default:
        console.log(USAGE);
        return 2;
    }
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
