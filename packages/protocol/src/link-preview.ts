import * as v from 'valibot';

/** Longest link the server will preview; longer ones are refused before any fetch. */
export const LINK_PREVIEW_MAX_URL_LENGTH = 2048;

/** `GET /v1/widgets/{id}/unfurl?url=`: the page to preview, an absolute http(s) address. */
export const linkPreviewQuerySchema = v.strictObject({
  url: v.pipe(
    v.string('must be the link to preview'),
    v.trim(),
    v.minLength(1, 'must be the link to preview'),
    v.maxLength(LINK_PREVIEW_MAX_URL_LENGTH, `must be at most ${LINK_PREVIEW_MAX_URL_LENGTH} characters`),
  ),
});

/**
 * A link preview as the server made it: the page was fetched by the server, never by the visitor's
 * browser, and the picture is served through the server's image proxy (`image.url`), so the site
 * behind the link never learns who looked at the conversation.
 */
export interface LinkPreview {
  readonly object: 'link_preview';
  /** The link that was asked about (what the card links to), not where its redirects ended. */
  readonly url: string;
  /** `og:site_name`, else the link's host name. */
  readonly siteName: string;
  readonly title: string;
  readonly description: string | null;
  /** The page's picture through the server's signed image proxy; null when the page names none. */
  readonly image: { readonly url: string; readonly alt: string | null } | null;
}
