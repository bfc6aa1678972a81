import type { LinkPreview } from '@parley/protocol';
import type { Controller } from '../ui/controller.js';

/**
 * Code spans (skipped: a link shown as code is not a link), Markdown link targets, and bare links
 * exactly as the widget's Markdown renderer links them, so the preview is of a link the visitor sees.
 */
const LINKS = /(`[^`]+`)|\[[^\]]+\]\((https?:\/\/[^)\s]+)\)|(https?:\/\/[^\s<>()]+[^\s<>().,;:!?'"])/gi;

/** The first link a message shows, or null. */
export function firstLink(text: string): string | null {
  for (const [, code, target, bare] of text.matchAll(LINKS)) if (code === undefined) return target ?? bare ?? null;
  return null;
}

/** One ask per link per page: a link repeated in a conversation, or shown again after a re-render, is asked once. */
const asked = new Map<string, Promise<LinkPreview | null>>();

/**
 * The server's preview of `link` (null: none, for any reason — a failed preview shows nothing). The
 * server fetches the page; this only ever talks to the Parley server.
 */
export function loadPreview(ctl: Controller, link: string): Promise<LinkPreview | null> {
  const { server, widgetId } = ctl;
  const session = ctl.persist.read().session;
  if (server === null || widgetId === null || session === null) return Promise.resolve(null);
  const key = `${widgetId} ${link}`;
  let preview = asked.get(key);
  if (preview === undefined) {
    preview = fetch(`${server}/v1/widgets/${encodeURIComponent(widgetId)}/unfurl?url=${encodeURIComponent(link)}`, {
      headers: { authorization: `Bearer ${session.token}` },
    })
      .then(async (response) => {
        // Over the rate limit: forgotten, so the message asks again the next time it is shown.
        if (response.status === 429) asked.delete(key);
        return response.ok ? toPreview(await response.json(), server) : null;
      })
      .catch(() => {
        asked.delete(key); // Offline or the server restarting: worth asking again later.
        return null;
      });
    asked.set(key, preview);
  }
  return preview;
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** The answer is checked field by field; a picture is kept only when it is served by the Parley server itself. */
function toPreview(body: unknown, server: string): LinkPreview | null {
  if (typeof body !== 'object' || body === null) return null;
  const url = text(Reflect.get(body, 'url'));
  const title = text(Reflect.get(body, 'title'));
  const siteName = text(Reflect.get(body, 'siteName'));
  if (url === null || title === null || siteName === null) return null;
  const image: unknown = Reflect.get(body, 'image');
  const imageUrl = typeof image === 'object' && image !== null ? text(Reflect.get(image, 'url')) : null;
  const own = imageUrl !== null && imageUrl.startsWith(`${new URL(server).origin}/`);
  return {
    object: 'link_preview',
    url,
    title,
    siteName,
    description: text(Reflect.get(body, 'description')),
    image: own && typeof image === 'object' && image !== null ? { url: imageUrl, alt: text(Reflect.get(image, 'alt')) } : null,
  };
}
