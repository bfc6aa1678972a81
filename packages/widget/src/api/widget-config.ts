import { RestClient } from '@parley/client';
import type { PublicWidgetConfig } from '@parley/protocol';

/** Managed mode: the server's public config (texts already in the resolved language). */
export function fetchConfig(server: string, widgetId: string, language: string | undefined): Promise<PublicWidgetConfig> {
  // No language chosen by the page or the visitor: the browser's, which the widget's own `language` outranks.
  return new RestClient({ baseUrl: server }).widgetConfig(widgetId, language, navigator.language);
}
