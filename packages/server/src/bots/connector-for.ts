import type { StoredBot } from './bot-service.js';
import type { BotConnector } from './bot-connector.js';
import { BuiltinBot } from './builtin-bot.js';

/**
 * The connector for a stored bot, or null when its kind has no connector in this build yet
 * (webhook, Rasa, Dialogflow and OpenAI-compatible connectors arrive with the bots issue).
 */
export type ConnectorFactory = (bot: StoredBot) => BotConnector | null;

export const connectorFor: ConnectorFactory = (bot) => {
  switch (bot.kind) {
    case 'builtin':
      return new BuiltinBot(bot.config);
    default:
      return null;
  }
};
