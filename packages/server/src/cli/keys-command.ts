import { apiKeyPrefix, generateApiKey, hashApiKey } from '../auth/api-keys.js';
import type { OpenDatabase } from '../store/database.js';
import { ApiKeysStore } from '../store/api-keys-store.js';
import type { CliArgs } from './cli-args.js';

/** `keys create --name <name>`, `keys list`, `keys revoke <id>`: admin API keys. */
export async function keysCommand(database: OpenDatabase, { command, arg, values }: CliArgs): Promise<number> {
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
      return 2;
  }
}
