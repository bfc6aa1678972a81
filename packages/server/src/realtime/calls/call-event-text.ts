import { callEventLine, type CallInfo } from '@parley/protocol';

/**
 * The transcript line of an ended call in the conversation's language (the protocol's call lines: the widget's
 * built-in languages, English for others), stored as the event's `text` like the server's notices: the widget,
 * its history, emails and API readers show it as it is; the console renders the payload in English.
 */
export function callEventText(call: CallInfo, language = 'en'): string {
  return callEventLine(call, language);
}
