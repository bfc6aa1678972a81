/**
 * Tab-title and sound notifications while the widget is closed (`notifications` option). The title
 * gets a "(n) " prefix, removed when everything is seen; the sound is a short tone made by Web Audio
 * (no audio file to fetch), which browsers only allow after the visitor interacted with the page.
 */
export class Notifier {
  private baseTitle: string | null = null;
  private audio: AudioContext | undefined;

  title(unread: number): void {
    if (unread > 0) {
      this.baseTitle ??= document.title;
      document.title = `(${unread}) ${this.baseTitle}`;
    } else if (this.baseTitle !== null) {
      document.title = this.baseTitle;
      this.baseTitle = null;
    }
  }

  chime(): void {
    // The tone is a lazy extra: a page that never gets a message while closed never downloads it.
    void import('../extras/chime.js').then(({ chime }) => (this.audio = chime(this.audio)));
  }
}
