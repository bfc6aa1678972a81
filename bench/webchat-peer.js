// Microsoft Bot Framework Web Chat as a bench peer. It is not a dependency of any workspace on purpose:
// it would bring React and its dependency tree (24 direct dependencies: Adaptive Cards, the speech SDK,
// ...) into every `npm ci`. Instead the benches fetch the one pinned tarball with `npm pack` (the
// testkit's packedPackage: registry, npm cache and proxy settings work as for any install), check its
// integrity, keep only its standalone bundles in bench/.cache/ (gitignored) and reuse them on the next
// run. When that fails the caller prints "unavailable: <reason>" and goes on.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedPackage } from '@parley/testkit';

export const WEBCHAT_PACKAGE = 'botframework-webchat';
export const WEBCHAT_VERSION = '4.18.1';
// The registry's integrity for 4.18.1: the bench measures exactly these bytes, or none.
const INTEGRITY = 'sha512-7jpEUJ7olT62Xm+8eh7BhhIcXVfU2xD4pZDaeBt8K4XcNy6K/83UGIxE9BFkXmHMZ4hDEVOzs5cre07GWuaXzg==';
/** The standalone UMD bundles a page loads with one `<script src>` (they set `window.WebChat`). */
export const WEBCHAT_BUNDLES = /** @type {const} */ ({ full: 'webchat.js', minimal: 'webchat-minimal.js' });

const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));

/** @type {{ version: string, dist: string } | { version: string, unavailable: string } | undefined} */
let found;

/**
 * The cached dist folder holding WEBCHAT_BUNDLES, fetching it first if needed. Asked once per process:
 * `npm run bench` measures sizes and load times in one run, and a failed fetch (up to three minutes)
 * is not worth waiting for twice.
 * @returns {{ version: string, dist: string } | { version: string, unavailable: string }}
 */
export function webChatPeer() {
  if (found !== undefined) return found;
  const packed = packedPackage({
    name: WEBCHAT_PACKAGE,
    version: WEBCHAT_VERSION,
    integrity: INTEGRITY,
    paths: Object.values(WEBCHAT_BUNDLES).map((file) => `dist/${file}`),
    cacheDir: CACHE,
  });
  found = 'dir' in packed ? { version: WEBCHAT_VERSION, dist: join(packed.dir, 'dist') } : { version: WEBCHAT_VERSION, ...packed };
  return found;
}
