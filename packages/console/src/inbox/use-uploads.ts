import type { Message } from '@parley/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
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

/** Files being sent from the composer: each shows its progress, and stays with the server's error if it fails. */
export function useUploads(conversationId: string, token: string | null, onSent: (message: Message) => void): Uploads {
  const [items, setItems] = useState<readonly UploadItem[]>([]);
  // Another conversation opened in the same view: its composer starts clean, and a file still on its
  // way to the previous one must not land in this timeline (refs, because the callbacks outlive renders).
  const current = useRef({ conversationId, onSent });
  current.current = { conversationId, onSent };
  useEffect(() => setItems([]), [conversationId]);
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
          if (message.conversationId === current.current.conversationId) current.current.onSent(message);
        },
        (caught: unknown) => patch(key, { progress: null, error: caught instanceof Error ? caught.message : String(caught) }),
      );
    }
  };

  return { items, add, dismiss };
}
