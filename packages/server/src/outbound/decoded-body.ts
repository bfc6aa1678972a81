import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { OutboundError } from './outbound-error.js';

/** The response body with its Content-Encoding undone (gzip, deflate, br); an unknown encoding is refused. */
export function decoded(response: IncomingMessage, host: string): Readable {
  const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return response;
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (decoder === undefined) {
    response.destroy();
    throw new OutboundError('unavailable', `${host} sent the unsupported content encoding ${encoding}.`);
  }
  response.once('error', (error) => decoder.destroy(error));
  return response.pipe(decoder);
}
