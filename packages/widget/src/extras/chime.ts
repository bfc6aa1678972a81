/**
 * A short tone made by Web Audio (no audio file to fetch), which browsers only allow after the visitor
 * interacted with the page. Takes and returns the page's one AudioContext.
 */
export function chime(audio: AudioContext | undefined): AudioContext | undefined {
  try {
    const context = audio ?? new AudioContext();
    if (context.state !== 'running') return context;
    const tone = context.createOscillator();
    const gain = context.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.08, context.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, context.currentTime + 0.35);
    tone.connect(gain).connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.35);
    return context;
  } catch {
    // No audio available: the badge and the title still tell.
    return audio;
  }
}
