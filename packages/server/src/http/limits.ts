/** Largest JSON body any endpoint accepts (documented in docs/api.md and the OpenAPI description). */
export const BODY_LIMIT_BYTES = 1_048_576;
