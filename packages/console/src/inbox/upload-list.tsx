import { PaperclipIcon } from '../ui/paperclip-icon.js';
import type { UploadItem } from './use-uploads.js';

/** Files on their way to the visitor, with progress; a refused one shows why until dismissed. */
export function UploadList(props: { items: readonly UploadItem[]; onDismiss: (key: number) => void }) {
  if (props.items.length === 0) return null;
  return (
    <ul class="uploads" aria-label="Files being sent">
      {props.items.map((item) =>
        item.error === null ? (
          <li class="upload" key={item.key}>
            <span class="upload-name">
              <PaperclipIcon /> {item.name}
            </span>
            <progress max={1} value={item.progress ?? 0} aria-label={`Sending ${item.name}`} />
          </li>
        ) : (
          <li class="upload failed" key={item.key}>
            <span role="alert">{item.error}</span>
            <button type="button" class="link-button" onClick={() => props.onDismiss(item.key)}>
              Dismiss<span class="visually-hidden"> the error about {item.name}</span>
            </button>
          </li>
        ),
      )}
    </ul>
  );
}
