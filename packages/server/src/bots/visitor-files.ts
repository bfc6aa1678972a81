import type { FileStore } from '../files/file-store.js';

export interface VisitorFile {
  readonly bytes: Buffer;
  readonly name: string;
  readonly mimeType: string;
}

/** The bytes of a file a visitor uploaded to Parley, found by its public URL; undefined for any other URL. */
export type FileReader = (url: string) => Promise<VisitorFile | undefined>;

/**
 * Reads only Parley's own uploads (`<publicUrl>/files/<id>`), straight from the file store: a bot
 * connector never fetches a URL a visitor typed, so it cannot be pointed at internal addresses.
 */
export function storedFileReader(files: FileStore, publicUrl: string): FileReader {
  const prefix = `${publicUrl.replace(/\/+$/, '')}/files/`;
  return async (url) => {
    const id = url.startsWith(prefix) ? url.slice(prefix.length) : '';
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) return undefined;
    const file = await files.get(id);
    return file === undefined ? undefined : { bytes: file.bytes, name: file.meta.name, mimeType: file.meta.mimeType };
  };
}
