import type { Challenge } from './challenge.js';

/**
 * Every error an integrator can see. Codes are wire names: never renamed, only added.
 * `docs/errors.md` is generated from this catalog and a test fails when the two disagree.
 */
export interface ErrorSpec {
  readonly status: number;
  /** What went wrong, in one sentence. */
  readonly title: string;
  /** What the caller should do next. */
  readonly fix: string;
}

export const ERROR_CATALOG = {
  PARLEY_ERR_REQUEST_INVALID_JSON: {
    status: 400,
    title: 'The request body is not valid JSON.',
    fix: 'Send a JSON document with `Content-Type: application/json`; check for trailing commas and quotes.',
  },
  PARLEY_ERR_REQUEST_VALIDATION: {
    status: 400,
    title: 'A field of the request has a wrong type or value.',
    fix: 'Correct the field named in `error.field`; the message says what it accepts. See /docs for the schema.',
  },
  PARLEY_ERR_REQUEST_UNKNOWN_FIELD: {
    status: 400,
    title: 'The request contains a field this endpoint does not know.',
    fix: 'Remove the field named in `error.field` or check its spelling against /docs.',
  },
  PARLEY_ERR_REQUEST_UNKNOWN_REFERENCE: {
    status: 400,
    title: 'The request refers to a resource that does not exist.',
    fix: 'Create the referenced bot or blueprint first, or correct the id in `error.field`.',
  },
  PARLEY_ERR_REQUEST_TOO_LARGE: {
    status: 413,
    title: 'The request body is larger than this endpoint accepts.',
    fix: 'Send a smaller body; the limit is given in the message.',
  },
  PARLEY_ERR_REQUEST_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'The request body has a content type this endpoint does not accept.',
    fix: 'Send JSON with `Content-Type: application/json`.',
  },
  PARLEY_ERR_REQUEST_INVALID_CURSOR: {
    status: 400,
    title: 'The pagination cursor is not one this API issued.',
    fix: 'Pass the `nextCursor` of the previous page unchanged, or omit `cursor` to start from the first page.',
  },
  PARLEY_ERR_ROUTE_NOT_FOUND: {
    status: 404,
    title: 'No endpoint matches this method and path.',
    fix: 'Check the method and path against the API reference at /docs.',
  },
  PARLEY_ERR_AUTH_MISSING: {
    status: 401,
    title: 'The request has no credentials.',
    fix: 'Send `Authorization: Bearer <key or token>`: an admin API key for management endpoints, a session token for conversation endpoints.',
  },
  PARLEY_ERR_AUTH_INVALID_KEY: {
    status: 401,
    title: 'The API key is unknown or was revoked.',
    fix: 'Create a key with `npm run parley -- keys create` (or in the console) and send it as a Bearer token.',
  },
  PARLEY_ERR_AUTH_TOKEN_INVALID: {
    status: 401,
    title: 'The session token is malformed, has a bad signature or was not issued by this server.',
    fix: 'Create a new session with `POST /v1/widgets/{id}/sessions` and use the token it returns unchanged.',
  },
  PARLEY_ERR_AUTH_TOKEN_EXPIRED: {
    status: 401,
    title: 'The session token has expired. Tokens cannot be refreshed.',
    fix: 'Create a new session with `POST /v1/widgets/{id}/sessions`.',
  },
  PARLEY_ERR_AUTH_FORBIDDEN: {
    status: 403,
    title: 'The credentials are valid but do not grant access to this resource.',
    fix: 'A session token reaches only the conversation it was issued for; use that conversation id or create a session for the other one.',
  },
  PARLEY_ERR_AUTH_ORIGIN_NOT_ALLOWED: {
    status: 403,
    title: "The page's origin is not in the widget's allowlist.",
    fix: "Add the origin (for example `https://www.example.com` or `https://*.example.com`) to the widget's `origin` list.",
  },
  PARLEY_ERR_METRICS_TOKEN_INVALID: {
    status: 401,
    title: 'GET /metrics needs the metrics token, and the request did not carry it.',
    fix: 'Send `Authorization: Bearer <PARLEY_METRICS_TOKEN>` (in Prometheus: `authorization: { credentials: … }` in the scrape job).',
  },
  PARLEY_ERR_METRICS_NOT_LOCAL: {
    status: 403,
    title: 'Without PARLEY_METRICS_TOKEN, metrics are served only to clients on the same machine that did not come through a proxy.',
    fix: 'Set PARLEY_METRICS_TOKEN on the server and send it as a Bearer token, or scrape the node directly from the machine it runs on.',
  },
  PARLEY_ERR_AUTH_IDENTITY_INVALID: {
    status: 401,
    title: 'The identity hash does not match the user id.',
    fix: "Compute `userHash` on your server as the hex HMAC-SHA256 of `userId` with the widget's identity secret (`GET /v1/widgets/{id}/identity-secret`).",
  },
  PARLEY_ERR_WIDGET_NOT_FOUND: {
    status: 404,
    title: 'No widget has this id; it may have been deleted.',
    fix: 'Check the widget id in your embed code against `GET /v1/widgets`.',
  },
  PARLEY_ERR_WIDGET_OPTION_REMOVED: {
    status: 400,
    title: 'The request sets a widget option that Parley no longer has.',
    fix: 'Delete the option named in `error.field` from the body; the message says what replaces it.',
  },
  PARLEY_ERR_WIDGET_NO_BOT: {
    status: 409,
    title: 'The widget has no bot to answer visitors.',
    fix: 'Set `botId` on the widget or on its blueprint.',
  },
  PARLEY_ERR_WIDGET_VERSION_NOT_FOUND: {
    status: 404,
    title: 'The widget has no version with this number.',
    fix: 'List the versions with `GET /v1/widgets/{id}/versions` and use one of their `number`s.',
  },
  PARLEY_ERR_WIDGET_NO_DRAFT: {
    status: 409,
    title: 'The widget has no draft to publish.',
    fix: 'Write one first (`PUT /v1/widgets/{id}/draft`, or `PATCH /v1/widgets/{id}` when review before publish is on).',
  },
  PARLEY_ERR_PREVIEW_LINK_INVALID: {
    status: 403,
    title: 'The preview link is not one this server signed, or it was changed.',
    fix: 'Ask for a new link with `POST /v1/widgets/{id}/preview-links` and use it as given.',
  },
  PARLEY_ERR_PREVIEW_LINK_EXPIRED: {
    status: 410,
    title: 'The preview link has expired.',
    fix: 'Ask for a new link with `POST /v1/widgets/{id}/preview-links`.',
  },
  PARLEY_ERR_CONVERSATION_LINK_INVALID: {
    status: 403,
    title: 'The conversation link is not one this server signed, or it was changed.',
    fix: 'Use the link as it was given, or ask for a new one (the widget menu, or `POST /v1/conversations/{id}/links`).',
  },
  PARLEY_ERR_CONVERSATION_LINK_EXPIRED: {
    status: 410,
    title: 'The conversation link has expired.',
    fix: 'Ask for a new link: from the widget menu on the device that holds the conversation, or from an agent.',
  },
  PARLEY_ERR_CONVERSATION_LINK_REVOKED: {
    status: 410,
    title: 'The conversation link was revoked.',
    fix: 'Ask for a new link: from the widget menu on the device that holds the conversation, or from an agent.',
  },
  PARLEY_ERR_BLUEPRINT_NOT_FOUND: {
    status: 404,
    title: 'No blueprint has this id.',
    fix: 'Check the id against `GET /v1/blueprints`.',
  },
  PARLEY_ERR_BLUEPRINT_IN_USE: {
    status: 409,
    title: 'The blueprint is still linked to widgets.',
    fix: 'Detach the widgets (`POST /v1/widgets/{id}/detach`) or delete them first; the message lists how many remain.',
  },
  PARLEY_ERR_BOT_NOT_FOUND: {
    status: 404,
    title: 'No bot has this id.',
    fix: 'Check the id against `GET /v1/bots`.',
  },
  PARLEY_ERR_BOT_IN_USE: {
    status: 409,
    title: 'The bot is still used by widgets or blueprints.',
    fix: 'Point those widgets and blueprints at another bot first; the message lists how many remain.',
  },
  PARLEY_ERR_API_KEY_NOT_FOUND: {
    status: 404,
    title: 'No API key has this id.',
    fix: 'List keys with `GET /v1/api-keys`.',
  },
  PARLEY_ERR_CONVERSATION_NOT_FOUND: {
    status: 404,
    title: 'No conversation has this id.',
    fix: 'Use the `conversationId` returned when the session was created.',
  },
  PARLEY_ERR_CONTACT_NOT_FOUND: {
    status: 404,
    title: 'No contact has this id.',
    fix: 'List contacts with `GET /v1/contacts`; a merged contact’s id keeps answering with the contact it was merged into.',
  },
  PARLEY_ERR_CONTACT_MERGE_CONFLICT: {
    status: 409,
    title: 'These two contacts cannot be merged.',
    fix: 'Merge two different contacts of the same widget, at most one of them with an external id (a verified user); the message says which rule was broken.',
  },
  PARLEY_ERR_CONTACT_EXTERNAL_ID_TAKEN: {
    status: 409,
    title: 'Another contact of this widget already has this external id.',
    fix: 'Merge the two contacts with `POST /v1/contacts/{id}/merge`, or give another external id.',
  },
  PARLEY_ERR_CONTACT_ATTRIBUTES_LIMIT: {
    status: 400,
    title: 'A contact holds at most 50 custom attributes.',
    fix: 'Remove attributes you no longer need (set them to null) before adding new ones.',
  },
  PARLEY_ERR_CONTACT_IMPORT_INVALID: {
    status: 400,
    title: 'The CSV file cannot be imported.',
    fix: 'Send a UTF-8 CSV (`Content-Type: text/csv`) whose first line names the columns, with an `email` or `external_id` column, and a `widgetId` query parameter or a `widget_id` column.',
  },
  PARLEY_ERR_SESSION_MESSAGE_AUTHOR: {
    status: 400,
    title: 'A session can only be seeded with user messages.',
    fix: 'Send `messages` as `[{ "type": "user", "text": "…" }]`; bot and system turns come from the bot itself.',
  },
  PARLEY_ERR_AUTH_LOGIN_FAILED: {
    status: 401,
    title: 'The email or the password is wrong.',
    fix: 'Check both and try again; an admin can set a new password with `PATCH /v1/agents/{id}`.',
  },
  PARLEY_ERR_AUTH_RATE_LIMITED: {
    status: 429,
    title: 'Too many login attempts from this address or for this email.',
    fix: 'Wait a minute (the `Retry-After` header says how long) before trying again.',
  },
  PARLEY_ERR_AUTH_SESSION_INVALID: {
    status: 401,
    title: 'The console session is unknown, expired or was logged out.',
    fix: 'Log in again with `POST /v1/auth/login`.',
  },
  PARLEY_ERR_AUTH_CSRF: {
    status: 403,
    title: 'A change authenticated by the console cookie must be sent as JSON.',
    fix: 'Send `Content-Type: application/json` (with `{}` as the body when there is nothing to send).',
  },
  PARLEY_ERR_AUTH_PASSWORD_MISMATCH: {
    status: 403,
    title: 'The current password is wrong.',
    fix: 'Send the password you log in with as `currentPassword`.',
  },
  PARLEY_ERR_AUTH_ADMIN_REQUIRED: {
    status: 403,
    title: 'Only admins may do this.',
    fix: 'Ask an admin, or log in with an admin account or send an admin API key.',
  },
  PARLEY_ERR_AGENT_NOT_FOUND: {
    status: 404,
    title: 'No agent has this id.',
    fix: 'Check the id against `GET /v1/agents`.',
  },
  PARLEY_ERR_AGENT_EMAIL_TAKEN: {
    status: 409,
    title: 'Another agent already has this email.',
    fix: 'Use another email, or update the existing agent.',
  },
  PARLEY_ERR_AGENT_LAST_ADMIN: {
    status: 409,
    title: 'The last admin cannot be deleted or made a plain agent.',
    fix: 'Give another agent the admin role first.',
  },
  PARLEY_ERR_TEAM_NOT_FOUND: {
    status: 404,
    title: 'No team has this id.',
    fix: 'Check the id against `GET /v1/teams`.',
  },
  PARLEY_ERR_CONVERSATION_TRANSITION: {
    status: 409,
    title: 'The conversation cannot make this ownership change from where it stands.',
    fix: 'Fetch the conversation (`GET /v1/inbox/{id}`) to see its owner and status; the message names the allowed actions.',
  },
  PARLEY_ERR_CONVERSATIONS_SINGLE: {
    status: 403,
    title: 'This widget keeps one conversation per visitor: it lists, opens and starts no others.',
    fix: "Turn on the widget setting `conversations.multiple` (PATCH /v1/widgets/{id}), or keep using the session's one conversation (a new session resumes it as before).",
  },
  PARLEY_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    title: 'The database cannot be reached or takes no writes.',
    fix: 'Retry in a few seconds: nothing was stored. If it lasts, check that the database is running, that PARLEY_DATABASE_URL points at it and that its disk has room; the server log names the cause.',
  },
  PARLEY_ERR_CONSOLE_NOT_BUILT: {
    status: 503,
    title: 'The agent console has not been built, so there is nothing to serve at /console.',
    fix: 'Run `npm run build` (it bundles packages/console into packages/console/dist-browser), then restart the server.',
  },
  PARLEY_ERR_WIDGET_BUNDLE_MISSING: {
    status: 503,
    title: 'The browser widget bundle has not been built, so /widget.js and /embed pages cannot be served.',
    fix: 'Run `npm run build` (it bundles packages/widget into packages/widget/dist-browser), then restart the server.',
  },
  PARLEY_ERR_FILE_UPLOADS_DISABLED: {
    status: 403,
    title: 'This widget does not accept files.',
    fix: 'Turn the `attachments` option on for the widget (PATCH /v1/widgets/{id}) to let visitors send files.',
  },
  PARLEY_ERR_FILE_TOO_LARGE: {
    status: 413,
    title: 'The file is larger than uploads may be.',
    fix: 'Send a smaller file; the limit is given in the message.',
  },
  PARLEY_ERR_FILE_TYPE_NOT_ALLOWED: {
    status: 415,
    title: 'This type of file cannot be sent.',
    fix: 'Send an image (PNG, JPEG, GIF, WebP), a PDF or a plain text file; the type is read from the file itself, not its name.',
  },
  PARLEY_ERR_FILE_NOT_FOUND: {
    status: 404,
    title: 'No file has this id.',
    fix: 'Use the `url` of the file message as it was sent.',
  },
  PARLEY_ERR_SERVER_INTERNAL: {
    status: 500,
    title: 'The server failed unexpectedly. Nothing was half-written.',
    fix: 'Retry the request; if it keeps failing, report it with the `requestId` from the response and the server log.',
  },
  PARLEY_ERR_WIDGET_CHAT_RATE_LIMITED: {
    status: 429,
    title: 'Too many n8n chat requests from this address.',
    fix: 'Wait the seconds the `Retry-After` header names; a person typing never reaches the limit (2 messages a second, 10 at once).',
  },
  PARLEY_ERR_CANNED_RESPONSE_NOT_FOUND: {
    status: 404,
    title: 'No canned response has this id.',
    fix: 'List them with `GET /v1/canned-responses`.',
  },
  PARLEY_ERR_CANNED_RESPONSE_SHORTCUT_TAKEN: {
    status: 409,
    title: 'Another canned response already has this shortcut.',
    fix: 'Pick another shortcut, or change the existing response (PATCH /v1/canned-responses/{id}).',
  },
  PARLEY_ERR_CANNED_RESPONSE_NOT_YOURS: {
    status: 403,
    title: 'Only the agent who added a canned response, or an admin, may change or remove it.',
    fix: 'Ask its author or an admin, or add your own response under another shortcut.',
  },
  PARLEY_ERR_UNFURL_DISABLED: {
    status: 403,
    title: 'This widget does not show link previews.',
    fix: 'Turn the `unfurl` option on for the widget (PATCH /v1/widgets/{id}); the widget asks for previews only when it is on.',
  },
  PARLEY_ERR_UNFURL_URL_INVALID: {
    status: 400,
    title: 'The link cannot be previewed: it is not an absolute http(s) address on the standard ports.',
    fix: 'Send `url` as `https://…` or `http://…` without a user name, password or port other than 80 and 443.',
  },
  PARLEY_ERR_UNFURL_ADDRESS_REFUSED: {
    status: 400,
    title: 'The link (or one of its redirects) leads to a private, loopback or otherwise non-public address.',
    fix: 'Only public web pages are previewed. For an intranet, set PARLEY_UNFURL_ALLOW_PRIVATE=1 on the server (see docs/configuration.md).',
  },
  PARLEY_ERR_UNFURL_NOT_AVAILABLE: {
    status: 404,
    title: 'No preview could be made of this link.',
    fix: 'Nothing to fix on your side: the page did not answer in time, is not HTML, or has no title. The message says which; failures are remembered for 10 minutes.',
  },
  PARLEY_ERR_UNFURL_RATE_LIMITED: {
    status: 429,
    title: 'Too many link previews asked for by this session.',
    fix: 'Wait the seconds the `Retry-After` header names; previews already made are served without counting.',
  },
  PARLEY_ERR_CHALLENGE_REQUIRED: {
    status: 428,
    title:
      'Unusually many new sessions come from this address (or none of them loaded the widget first): this one needs a solved proof-of-work challenge.',
    fix: 'Solve `error.challenge` (ALTCHA format: find `number` with SHA-256(salt + number) = challenge) and send the same request again with `challenge: { algorithm, challenge, number, salt, signature }`; the widget does this by itself. A server-side caller can send an admin API key and no Origin instead.',
  },
  PARLEY_ERR_RATE_LIMITED: {
    status: 429,
    title: 'Too many requests of this kind from this session, address or widget in a short time.',
    fix: 'Wait the seconds the `Retry-After` header (and `error.details.retryAfterSeconds`) names, then send again; nothing was stored. Operators set the limits with PARLEY_LIMIT_* (docs/configuration.md).',
  },
  PARLEY_ERR_BLOCK_NOT_FOUND: {
    status: 404,
    title: 'No block has this id (it may have been lifted already).',
    fix: 'List the blocks in force with `GET /v1/blocks`.',
  },
  PARLEY_ERR_VISITOR_BLOCKED: {
    status: 403,
    title: 'An agent blocked this visitor or this address from the chat.',
    fix: 'Nothing to retry: the block ends when it expires or when an agent lifts it (console: Blocks, or `DELETE /v1/blocks/{id}`).',
  },
  PARLEY_ERR_MAIL_NOT_CONFIGURED: {
    status: 409,
    title: 'This server sends no mail: PARLEY_SMTP_URL is not set.',
    fix: 'Set PARLEY_SMTP_URL (and PARLEY_MAIL_FROM) on the server (docs/configuration.md), or download the transcript instead.',
  },
  PARLEY_ERR_TRANSCRIPT_NO_EMAIL: {
    status: 409,
    title: 'The conversation has no email to send its transcript to.',
    fix: 'Agents: name the address in `to`. Visitors: leave an email in the contact form first, then ask again.',
  },
  PARLEY_ERR_UNFURL_IMAGE_SIGNATURE_INVALID: {
    status: 403,
    title: 'The preview image address was not signed by this server.',
    fix: 'Use the `image.url` of a link preview unchanged; the image proxy serves only pictures the server itself picked.',
  },
  PARLEY_ERR_REPORT_PERIOD_INVALID: {
    status: 400,
    title: 'The report period ends before it starts.',
    fix: 'Send `from` on or before `to` (both YYYY-MM-DD days of `timeZone`, both included).',
  },
  PARLEY_ERR_REPORT_PERIOD_TOO_LONG: {
    status: 400,
    title: 'The report period is longer than one report covers (366 days).',
    fix: 'Ask for at most 366 days at a time, and add the periods up on your side.',
  },
  PARLEY_ERR_WEBHOOK_NOT_FOUND: {
    status: 404,
    title: 'No webhook subscription has this id.',
    fix: 'List the subscriptions with `GET /v1/webhooks`.',
  },
  PARLEY_ERR_WEBHOOK_DELIVERY_NOT_FOUND: {
    status: 404,
    title: 'This webhook subscription has no delivery with this id (deliveries are kept 30 days).',
    fix: 'List the subscription’s deliveries with `GET /v1/webhooks/{id}/deliveries`.',
  },
  PARLEY_ERR_WEBHOOK_URL_REFUSED: {
    status: 400,
    title: 'The webhook URL points at a private, loopback or link-local address, which this server does not call.',
    fix: 'Use a public URL, or (receivers on your own network) set PARLEY_WEBHOOKS_ALLOW_PRIVATE=1 on the server.',
  },
  PARLEY_ERR_CONSENT_REQUIRED: {
    status: 403,
    title:
      'This widget asks visitors for consent before anything is stored: a session needs the `consentId` of an acceptance of the widget’s current consent version that was not withdrawn.',
    fix: 'Record the visitor’s acceptance with `POST /v1/widgets/{id}/consent` (`{ version, accepted: true }`) and send its `consentId` in the session body; the widget does this when the visitor presses Accept.',
  },
  PARLEY_ERR_CONSENT_NOT_ASKED: {
    status: 409,
    title: 'This widget does not ask visitors for consent (its `privacy.consent` is off), so there is nothing to accept.',
    fix: 'Turn on `privacy.consent` on the widget (or its blueprint) first, or open the session without a `consentId`.',
  },
  PARLEY_ERR_CONSENT_VERSION: {
    status: 409,
    title: 'The consent version accepted is not the widget’s current `privacy.consentVersion` (the text changed since the page loaded).',
    fix: 'Load the widget’s config again (`GET /v1/widgets/{id}/config`), show its consent text and send its `privacy.consentVersion`.',
  },
  PARLEY_ERR_PRIVACY_SELF_SERVICE_OFF: {
    status: 403,
    title: 'This widget does not let visitors download or delete their data themselves (its `privacy.selfService` is off).',
    fix: 'Turn on `privacy.selfService` on the widget (or its blueprint), or ask the site’s operator, who can export and erase a contact from the console.',
  },
  PARLEY_ERR_PRIVACY_CONFIRMATION: {
    status: 400,
    title: 'An erasure needs `confirm` set to the id of the contact it erases, so that a stray call cannot erase anyone.',
    fix: 'Send `{ "confirm": "<the contact id in the URL>" }` as the body.',
  },
  PARLEY_ERR_CAMPAIGN_NOT_FOUND: {
    status: 404,
    title: 'The widget has no campaign with this id.',
    fix: 'List the widget’s campaigns with `GET /v1/widgets/{id}/campaigns`; a campaign belongs to one widget.',
  },
  PARLEY_ERR_CAMPAIGN_UNKNOWN_AGENT: {
    status: 400,
    title: 'The campaign’s sender names an agent that does not exist.',
    fix: 'Pick an agent id from `GET /v1/agents`, or send the campaign from the bot: `"sender": { "kind": "bot" }`.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The body of every error response. */
export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode;
    readonly message: string;
    /** Dotted path of the offending field, e.g. `theme.primaryColor` or `messages.0.type`. */
    readonly field?: string;
    /** Machine-readable facts about some errors: `retryAfterSeconds` on PARLEY_ERR_RATE_LIMITED. */
    readonly details?: ErrorDetails;
    readonly requestId?: string;
    /** PARLEY_ERR_CHALLENGE_REQUIRED only: the proof-of-work challenge to solve before sending the request again. */
    readonly challenge?: Challenge;
  };
}

export interface ErrorDetails {
  /** How long to wait before sending again (the same as the Retry-After header). */
  readonly retryAfterSeconds?: number;
}
