import * as v from 'valibot';
import { botKindSchemas } from '@parley/protocol';
import type { StoredBot } from './bot-service.js';
import type { BotConnector } from './bot-connector.js';
import { BuiltinBot } from './builtin-bot.js';
import { DialogflowBot } from './dialogflow-bot.js';
import { GoogleTokens } from './google-token.js';
import { OpenAiBot } from './openai-bot.js';
import { RasaBot } from './rasa-bot.js';
import { WebhookGenericBot } from './webhook-generic-bot.js';
import type { FileReader } from './visitor-files.js';
import { WebhookN8nBot } from './webhook-n8n-bot.js';

/** The connector for a stored bot, or null when its kind has no connector. Throws when the stored config no longer validates. */
export type ConnectorFactory = (bot: StoredBot) => BotConnector | null;

export interface ConnectorOptions {
  /** Tests only: let OpenAI tool calls go to http://127.0.0.1 (production tools must be HTTPS). */
  readonly allowLoopbackHttp?: boolean;
  readonly googleTokens?: GoogleTokens;
  /** Lets the n8n connector forward the visitor's uploads as the Chat Trigger's multipart files. */
  readonly readFile?: FileReader;
}

/** Connectors keep nothing between replies: bot turns make one per loaded bot. What must outlive a bot edit (the OAuth token cache) lives here. */
export function createConnectorFactory(options: ConnectorOptions = {}): ConnectorFactory {
  const googleTokens = options.googleTokens ?? new GoogleTokens();
  const policy = { allowLoopbackHttp: options.allowLoopbackHttp === true };
  return (bot) => {
    switch (bot.kind) {
      case 'builtin':
        return new BuiltinBot(bot.config);
      case 'webhook': {
        const { config, secrets } = parse(bot, botKindSchemas.webhook);
        return config.flavor === 'generic' ? new WebhookGenericBot(config, secrets) : new WebhookN8nBot(config, secrets, options.readFile);
      }
      case 'rasa': {
        const { config, secrets } = parse(bot, botKindSchemas.rasa);
        return new RasaBot(config, secrets);
      }
      case 'dialogflow': {
        const { config, secrets } = parse(bot, botKindSchemas.dialogflow);
        return new DialogflowBot(config, secrets, googleTokens);
      }
      case 'openai': {
        const { config, secrets } = parse(bot, botKindSchemas.openai);
        return new OpenAiBot(config, secrets, policy);
      }
    }
  };
}

export const connectorFor: ConnectorFactory = createConnectorFactory();

function parse<C extends v.GenericSchema, S extends v.GenericSchema>(
  bot: StoredBot,
  schemas: { readonly config: C; readonly secrets: S },
): { config: v.InferOutput<C>; secrets: v.InferOutput<S> } {
  return { config: v.parse(schemas.config, bot.config), secrets: v.parse(schemas.secrets, bot.secrets) };
}
