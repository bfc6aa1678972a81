import { REMOVED_WIDGET_OPTIONS } from '@parley/protocol';
import { ApiError } from '../http/api-error.js';

/**
 * A widget or blueprint body that still sends a removed option is told so, with what replaces it,
 * rather than "unknown field" (which reads like a typo). Returns the body for parsing. `at` prefixes the field
 * named in the error when the settings sit inside a larger body (`widget.` in an import document).
 */
export function refuseRemovedOptions(body: unknown, at = ''): unknown {
  if (typeof body !== 'object' || body === null) return body;
  for (const [option, why] of Object.entries(REMOVED_WIDGET_OPTIONS)) {
    if (Object.hasOwn(body, option)) throw new ApiError('PARLEY_ERR_WIDGET_OPTION_REMOVED', `${option} ${why}`, `${at}${option}`);
  }
  return body;
}
