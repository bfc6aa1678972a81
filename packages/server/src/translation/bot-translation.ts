import type { Message } from '@parley/protocol';
import { baseLanguage } from './language-name.js';

export interface BotTranslationSetting {
  readonly receives: 'original' | 'translation';
  /** The bot's language; the widget's when absent. */
  readonly language: string | undefined;
}

/** A bot's `config.translation` (validated by the protocol's botTranslationSchema when written); `original` when unset. */
export function botTranslationSetting(config: Readonly<Record<string, unknown>>): BotTranslationSetting {
  const setting = config['translation'];
  if (typeof setting !== 'object' || setting === null) return { receives: 'original', language: undefined };
  const receives = 'receives' in setting && setting.receives === 'translation' ? 'translation' : 'original';
  const language = 'language' in setting && typeof setting.language === 'string' ? setting.language : undefined;
  return { receives, language };
}

/**
 * What a bot that receives translations reads of a message: the translation into its language when there is one,
 * else the original (a failed or absent translation, or one made for an agent of another language).
 */
export function textForBot(message: Message, botLanguage: string): Message {
  const translation = message.translation;
  if (translation?.text === undefined || baseLanguage(translation.to) !== baseLanguage(botLanguage)) return message;
  return { ...message, text: translation.text };
}
