import type { Message, PublicWidgetConfig } from '@parley/protocol';

/** The conversation as a plain-text file the browser downloads: one paragraph per message, with its time and author. */
export function downloadTranscript(messages: readonly Message[], config: PublicWidgetConfig): void {
  const lines = messages.map(
    (message) =>
      `[${new Date(message.createdAt).toLocaleString(config.language)}] ${message.author.name || message.author.role}: ${message.text}`,
  );
  const blob = new Blob([`${config.strings.title}\n\n${lines.join('\n\n')}\n`], { type: 'text/plain;charset=utf-8' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = `conversation-${new Date().toISOString().slice(0, 10)}.txt`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}
