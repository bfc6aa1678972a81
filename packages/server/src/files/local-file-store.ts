import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileStore, StoredFileMeta } from './file-store.js';

const ID = /^[A-Za-z0-9_-]{16,64}$/;

/** Files under `<dataDir>/uploads`: `<id>` holds the bytes, `<id>.json` what was said about them. */
export class LocalFileStore implements FileStore {
  constructor(readonly dir: string) {}

  async put(id: string, bytes: Buffer, meta: StoredFileMeta): Promise<void> {
    if (!ID.test(id)) throw new Error(`bad file id ${id}`);
    await mkdir(this.dir, { recursive: true });
    await writeFile(join(this.dir, id), bytes);
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify(meta));
  }

  async get(id: string): Promise<{ bytes: Buffer; meta: StoredFileMeta } | undefined> {
    if (!ID.test(id)) return undefined;
    try {
      const [bytes, meta] = await Promise.all([readFile(join(this.dir, id)), readFile(join(this.dir, `${id}.json`), 'utf8')]);
      return { bytes, meta: JSON.parse(meta) as StoredFileMeta };
    } catch {
      return undefined; // Unknown id: the route answers 404.
    }
  }

  async delete(id: string): Promise<void> {
    if (!ID.test(id)) return;
    await Promise.all([rm(join(this.dir, id), { force: true }), rm(join(this.dir, `${id}.json`), { force: true })]);
  }
}
