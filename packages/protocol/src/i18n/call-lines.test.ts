import { describe, expect, it } from 'vitest';
import { BUILTIN_LANGUAGES } from './builtin-languages.js';
import { CALL_LINE_LANGUAGES, callEventLine } from './call-lines.js';

const agentCall = {
  kind: 'video',
  caller: { role: 'agent', id: 'agt_1', name: 'Nora' },
  durationMs: 184_000,
  endReason: 'hangup',
} as const;

describe('call lines (the transcript line of an ended call)', () => {
  it('exist in every built-in language of the widget', () => {
    expect([...CALL_LINE_LANGUAGES].sort()).toEqual([...BUILTIN_LANGUAGES].sort());
  });

  it('read in English as before, and in the conversation’s language (its primary subtag), English for others', () => {
    expect(callEventLine(agentCall, 'en')).toBe('Video call started by Nora, 3 min 4 s, ended.');
    expect(
      callEventLine(
        { ...agentCall, kind: 'audio', caller: { role: 'visitor', id: 'v', name: 'Visitor' }, durationMs: null, endReason: 'declined' },
        'en-GB',
      ),
    ).toBe('Voice call started by the visitor, declined.');
    expect(callEventLine(agentCall, 'fr-CA')).toBe('Appel vidéo lancé par Nora, 3 min 4 s, terminé.');
    expect(callEventLine({ ...agentCall, endReason: 'failed', durationMs: 12_000 }, 'de')).toBe(
      'Videoanruf, gestartet von Nora, 12 s, fehlgeschlagen (die Verbindung kam nicht zustande oder brach ab).',
    );
    expect(callEventLine(agentCall, 'ja')).toBe('Noraが開始したビデオ通話、3 min 4 s、終了。');
    expect(callEventLine(agentCall, 'ar')).toBe('مكالمة فيديو، بدأها Nora، 3 min 4 s، انتهت.');
    expect(callEventLine(agentCall, 'sw')).toBe('Video call started by Nora, 3 min 4 s, ended.');
  });

  it('inserts an agent’s name as it is', () => {
    expect(callEventLine({ ...agentCall, caller: { role: 'agent', id: 'a', name: 'A $& {duration}' }, durationMs: null }, 'en')).toBe(
      'Video call started by A $& {duration}, ended.',
    );
  });

  it('has every kind and every end reason in every language', () => {
    for (const language of CALL_LINE_LANGUAGES) {
      for (const kind of ['audio', 'video', 'screen'] as const) {
        for (const endReason of ['hangup', 'declined', 'failed', 'unanswered', 'peer-gone', 'no-device', 'permission-denied'] as const) {
          const line = callEventLine({ ...agentCall, kind, endReason }, language);
          expect(line, `${language} ${kind} ${endReason}`).not.toMatch(/\{|undefined/);
          expect(line).toContain('Nora');
        }
      }
    }
  });
});
