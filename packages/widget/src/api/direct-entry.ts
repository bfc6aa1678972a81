// Direct mode's pieces, loaded only by embeds that name a webhook: managed pages never download them.
import type { ChatSource, SourceContext } from '../core/chat-source.js';
import { DirectSource } from '../core/direct-source.js';
import type { MountOptions } from './options.js';

export { directConfig } from './widget-config-direct.js';

export function createDirectSource(options: MountOptions, context: SourceContext): ChatSource {
  return new DirectSource(
    {
      webhookUrl: options.webhookUrl ?? '',
      ...(options.webhookHeaders === undefined ? {} : { headers: options.webhookHeaders }),
      ...(options.stream === undefined ? {} : { stream: options.stream }),
      ...(options.attributes === undefined ? {} : { metadata: options.attributes }),
    },
    context,
  );
}
