import type { Message } from '@parley/protocol';
import { isErrorBody } from '../api.js';

/**
 * The server's upload limit (uploads.ts MAX_UPLOAD_BYTES), checked here too so a big file is not sent only
 * to be refused; the message says what the server's PARLEY_ERR_FILE_TOO_LARGE says.
 */
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** `12 KB`, `3.4 MB`: sizes as people read them. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * Sends one file to the visitor (`POST /v1/inbox/:id/files`). XMLHttpRequest rather than fetch: only it
 * reports upload progress. With the tab's login token it authenticates as Bearer; without one (a tab
 * opened after login) the cookie does, which the server accepts only on a JSON content type (its CSRF
 * rule; the file's type is read from its bytes either way). Rejects with the server's own error message.
 */
export function uploadFile(
  conversationId: string,
  file: File,
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<Message> {
  if (file.size > MAX_FILE_BYTES) {
    return Promise.reject(
      new Error(`${file.name} was not sent: the file has ${file.size} bytes; at most ${MAX_FILE_BYTES} (10 MB) are accepted.`),
    );
  }
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    const query = new URLSearchParams({ name: file.name || 'file' });
    request.open('POST', `/v1/inbox/${encodeURIComponent(conversationId)}/files?${query.toString()}`);
    request.withCredentials = true;
    request.setRequestHeader('accept', 'application/json');
    if (token === null) request.setRequestHeader('content-type', 'application/json');
    else {
      request.setRequestHeader('authorization', `Bearer ${token}`);
      request.setRequestHeader('content-type', 'application/octet-stream');
    }
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onerror = () => reject(new Error(`${file.name} was not sent: the server cannot be reached.`));
    request.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        body = undefined;
      }
      if (request.status >= 200 && request.status < 300 && isResult(body)) return resolve(body.message);
      reject(new Error(isErrorBody(body) ? body.error.message : `${file.name} was not sent (HTTP ${request.status}).`));
    };
    request.send(file);
  });
}

function isResult(body: unknown): body is { message: Message } {
  return typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'object';
}
