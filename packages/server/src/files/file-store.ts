/** What is kept about an uploaded file beside its bytes. */
export interface StoredFileMeta {
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly conversationId: string;
  readonly createdAt: string;
}

/** The files port: local disk by default; object storage can implement the same calls. */
export interface FileStore {
  put(id: string, bytes: Buffer, meta: StoredFileMeta): Promise<void>;
  get(id: string): Promise<{ readonly bytes: Buffer; readonly meta: StoredFileMeta } | undefined>;
  /** Removes the bytes and their meta (erasure, retention); an unknown id is not an error. */
  delete(id: string): Promise<void>;
}
