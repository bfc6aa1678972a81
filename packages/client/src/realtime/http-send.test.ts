import { describe, expect, it } from 'vitest';
import { HttpCloseError, isHttpClose } from './http-send.js';

describe('isHttpClose', () => {
  it('recognises an HTTP close from another copy of the module, as the widget bundles its fallback transports apart', () => {
    // What a second bundled copy of http-send.ts throws: a different class with the same name and shape.
    class CopiedHttpCloseError extends Error {
      override readonly name = 'HttpCloseError';
      constructor(readonly status: number) {
        super(`HTTP ${status}`);
      }
    }
    expect(isHttpClose(new CopiedHttpCloseError(401))).toBe(true);
    expect(isHttpClose(new HttpCloseError(403))).toBe(true);
    expect(isHttpClose(new Error('HTTP 401'))).toBe(false);
    expect(isHttpClose({ name: 'HttpCloseError', status: 401 })).toBe(false);
  });
});
