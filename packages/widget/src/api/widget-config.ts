import { RestClient } from '@parley/client';
import type { PublicWidgetConfig } from '@parley/protocol';

/** Managed mode: the server's public config (texts already in the resolved language). */
export function fetchConfig(server: string, widgetId: string, language: string): Promise<PublicWidgetConfig> {
  return new RestClient({ baseUrl: server }).widgetConfig(widgetId, language);
}
