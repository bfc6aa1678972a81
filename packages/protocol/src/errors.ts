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
  PARLEY_ERR_WIDGET_NO_BOT: {
    status: 409,
    title: 'The widget has no bot to answer visitors.',
    fix: 'Set `botId` on the widget or on its blueprint.',
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
  PARLEY_ERR_SESSION_MESSAGE_AUTHOR: {
    status: 400,
    title: 'A session can only be seeded with user messages.',
    fix: 'Send `messages` as `[{ "type": "user", "text": "…" }]`; bot and system turns come from the bot itself.',
  },
  PARLEY_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    title: 'The database cannot be reached.',
    fix: 'Check that the database is running and that PARLEY_DATABASE_URL points at it; the server log names the cause.',
  },
  PARLEY_ERR_SERVER_INTERNAL: {
    status: 500,
    title: 'The server failed unexpectedly. Nothing was half-written.',
    fix: 'Retry the request; if it keeps failing, report it with the `requestId` from the response and the server log.',
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
    readonly requestId?: string;
  };
}
