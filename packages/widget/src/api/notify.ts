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
    try {
      this.audio ??= new AudioContext();
      const context = this.audio;
      if (context.state !== 'running') return;
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.08, context.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
      tone.connect(gain).connect(context.destination);
      tone.start();
      tone.stop(context.currentTime + 0.35);
    } catch {
      // No audio available: the badge and the title still tell.
    }
  }
}
