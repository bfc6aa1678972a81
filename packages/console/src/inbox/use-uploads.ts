import type { Message } from '@parley/protocol';
import { useRef, useState } from 'preact/hooks';
import { errorText } from '../api.js';
import { uploadFile } from './file-upload.js';

export interface UploadItem {
  readonly key: number;
  readonly name: string;
  /** 0–1 while sending; null once it failed. */
  readonly progress: number | null;
  readonly error: string | null;
}

export interface Uploads {
  readonly items: readonly UploadItem[];
  readonly add: (files: readonly File[]) => void;
  readonly dismiss: (key: number) => void;
}

let nextKey = 0;

/**
 * Files being sent from the composer: each shows its progress, and stays with the server's error if it
 * fails. One conversation per hook: the conversation view is keyed by its id, so opening another one
 * starts a fresh hook, and a file still on its way lands only in the view that sent it.
 */
export function useUploads(conversationId: string, token: string | null, onSent: (message: Message) => void): Uploads {
  const [items, setItems] = useState<readonly UploadItem[]>([]);
  // The latest callback, because an upload outlives the render that started it.
  const sent = useRef(onSent);
  sent.current = onSent;
  const patch = (key: number, change: Partial<UploadItem>) =>
    setItems((current) => current.map((item) => (item.key === key ? { ...item, ...change } : item)));
  const dismiss = (key: number) => setItems((current) => current.filter((item) => item.key !== key));

  const add = (files: readonly File[]) => {
    for (const file of files) {
      const key = ++nextKey;
      setItems((current) => [...current, { key, name: file.name || 'file', progress: 0, error: null }]);
      uploadFile(conversationId, file, token, (progress) => patch(key, { progress })).then(
        (message) => {
          dismiss(key);
          sent.current(message);
        },
        (caught: unknown) => patch(key, { progress: null, error: errorText(caught) }),
      );
    }
  };

  return { items, add, dismiss };
}
