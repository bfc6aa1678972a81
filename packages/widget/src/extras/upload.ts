import type { SessionInfo } from '../core/chat-source.js';
import type { PersistStore } from '../core/persist.js';
import type { TabShare } from '../core/tab-share.js';
import type { ViewStore } from '../core/view-store.js';

/** What the server accepts (packages/server/src/api/uploads.ts): checked here first for a quick, clear answer. */
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'];

type UploadProblem = 'tooLarge' | 'typeNotAllowed';

function checkFile(file: File): UploadProblem | null {
  if (file.size > MAX_UPLOAD_BYTES) return 'tooLarge';
  return TYPES.includes(file.type) ? null : 'typeNotAllowed';
}

/**
 * Sends one file as the raw request body with the session token; XMLHttpRequest because fetch cannot
 * report upload progress. Resolves when the server stored it (the file message then arrives like any
 * other), rejects with the server's error code.
 */
function uploadFile(url: string, token: string, file: File, onProgress: (fraction: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('POST', url);
    request.setRequestHeader('authorization', `Bearer ${token}`);
    request.setRequestHeader('content-type', 'application/octet-stream');
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(event.loaded / event.total);
    };
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) return resolve();
      let code = `HTTP ${request.status}`;
      try {
        code = (JSON.parse(request.responseText) as { error: { code: string } }).error.code;
      } catch {
        // Not a Parley error body: the status says enough.
      }
      reject(new Error(code));
    };
    request.onerror = () => reject(new Error('network'));
    request.send(file);
  });
}

export interface UploadDeps {
  readonly store: ViewStore;
  readonly persist: PersistStore;
  readonly share: TabShare;
  readonly server: string;
}

/** Each file: checked, shown with its progress, uploaded into the conversation (started first if needed). */
export function uploadFiles(files: readonly File[], deps: UploadDeps): void {
  for (const file of files) void uploadOne(file, deps);
}

async function uploadOne(file: File, { store, persist, share, server }: UploadDeps): Promise<void> {
  const id = Math.random().toString(36).slice(2);
  const change = (patch: { progress?: number; error?: string | null }) =>
    store.set((state) => ({ uploads: state.uploads.map((upload) => (upload.id === id ? { ...upload, ...patch } : upload)) }));
  store.set((state) => ({ uploads: [...state.uploads, { id, name: file.name, progress: 0, error: null }] }));
  const { strings } = store.state.config;
  const tooLarge = strings.fileTooLarge.replace('{size}', `${MAX_UPLOAD_BYTES / 1024 / 1024} MB`);
  const problem = checkFile(file);
  if (problem !== null) return change({ error: problem === 'tooLarge' ? tooLarge : strings.fileTypeNotAllowed });
  const session = persist.read().session ?? (await sessionSoon(share));
  if (session === null) return change({ error: strings.sendFailed });
  const url = `${server}/v1/conversations/${encodeURIComponent(session.conversationId)}/files?name=${encodeURIComponent(file.name)}`;
  try {
    await uploadFile(url, session.token, file, (progress) => change({ progress }));
    store.set((state) => ({ uploads: state.uploads.filter((upload) => upload.id !== id) }));
  } catch (error) {
    const code = error instanceof Error ? error.message : '';
    change({ error: code.includes('TOO_LARGE') ? tooLarge : code.includes('TYPE') ? strings.fileTypeNotAllowed : strings.sendFailed });
  }
}

/** Asks the leading tab to start a conversation and waits (briefly) for it. */
function sessionSoon(share: TabShare): Promise<SessionInfo | null> {
  return new Promise((resolve) => {
    const finish = (session: SessionInfo | null) => {
      clearTimeout(timer);
      stop();
      resolve(session);
    };
    const timer = setTimeout(() => finish(null), 10_000);
    const stop = share.on('session', (session) => {
      if (session !== null) finish(session);
    });
    share.ensureSession();
  });
}
