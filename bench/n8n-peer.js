// @n8n/chat as a bench peer: a dev dependency of e2e (its tests embed it against Parley's n8n route), so
// the benches resolve it from there. Without it (e2e not installed) the caller prints
// "unavailable: <reason>" and goes on.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const N8N_PACKAGE = '@n8n/chat';
/** The self-contained ES module a page imports (Vue included), and its stylesheet. */
export const N8N_FILES = /** @type {const} */ ({ bundle: 'chat.bundle.es.js', style: 'style.css' });

/**
 * The installed dist folder holding N8N_FILES.
 * @returns {{ version: string, dist: string } | { unavailable: string }}
 */
export function n8nChatPeer() {
  try {
    const manifest = createRequire(fileURLToPath(new URL('../e2e/package.json', import.meta.url))).resolve(`${N8N_PACKAGE}/package.json`);
    const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
    const dist = join(dirname(manifest), 'dist');
    const missing = Object.values(N8N_FILES).find((file) => !existsSync(join(dist, file)));
    return missing === undefined ? { version, dist } : { unavailable: `${N8N_PACKAGE} ${version} has no dist/${missing}` };
  } catch (error) {
    return { unavailable: `${N8N_PACKAGE} is not installed (a dev dependency of e2e): ${error.message}` };
  }
}
