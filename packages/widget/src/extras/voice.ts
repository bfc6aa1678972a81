interface Recognition {
  lang: string;
  interimResults: boolean;
  onresult: ((event: { results: ArrayLike<ArrayLike<{ transcript: string }>> }) => void) | null;
  onend: (() => void) | null;
  start(): void;
  stop(): void;
}
type RecognitionConstructor = new () => Recognition;

/** Speech → text with the browser's recognizer (the button is hidden where there is none). Returns stop. */
export function listen(language: string, onText: (text: string) => void, onEnd: () => void): () => void {
  const scope = window as unknown as { SpeechRecognition?: RecognitionConstructor; webkitSpeechRecognition?: RecognitionConstructor };
  const Constructor = scope.SpeechRecognition ?? scope.webkitSpeechRecognition;
  if (Constructor === undefined) {
    onEnd();
    return () => undefined;
  }
  const recognition = new Constructor();
  recognition.lang = language;
  recognition.interimResults = false;
  recognition.onresult = (event) => {
    const last = event.results[event.results.length - 1];
    const text = last?.[0]?.transcript;
    if (text !== undefined) onText(text);
  };
  recognition.onend = onEnd;
  recognition.start();
  return () => recognition.stop();
}

/** Reads a reply aloud (voiceOut). Markdown marks are dropped so they are not spoken. */
export function speak(text: string, language: string): void {
  if (!('speechSynthesis' in window)) return;
  const utterance = new SpeechSynthesisUtterance(text.replace(/[*_`#>~[\]()]/g, ''));
  utterance.lang = language;
  window.speechSynthesis.speak(utterance);
}
