export interface NdjsonChunk {
  readonly type?: unknown;
  readonly content?: unknown;
  readonly metadata?: { readonly nodeId?: string; readonly runIndex?: number };
}

/** Splits a streamed body into lines (the partial last line included), each parsed as JSON when it is JSON. */
export async function* readNdjson(body: ReadableStream<Uint8Array>): AsyncGenerator<{ raw: string; json: NdjsonChunk | undefined }> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
    const lines = buffer.split('\n');
    buffer = done ? '' : (lines.pop() ?? '');
    for (const raw of lines) if (raw.trim() !== '') yield { raw, json: parse(raw) };
    if (done) return;
  }
}

function parse(line: string): NdjsonChunk | undefined {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as NdjsonChunk) : undefined;
  } catch {
    return undefined;
  }
}
