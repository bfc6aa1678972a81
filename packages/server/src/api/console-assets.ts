import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { ApiError } from '../http/api-error.js';

/**
 * Serves the agent console's built files (packages/console/dist-browser) at /console. The server
 * never imports the console package: it only reads the files `npm run build` wrote, so a server
 * without the build still starts and answers /console with a 503 that says what to run.
 */
export interface ConsoleAssetsOptions {
  /** Where the built SPA is; defaults to packages/console/dist-browser next to this package. */
  readonly dir?: string;
}

/** From packages/server/{src,dist}/api/ up to packages/, then into the console's browser build. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../../console/dist-browser/', import.meta.url));

/**
 * No inline script, no eval, no inline <style>; only this origin. Preact sets element styles through
 * the CSSOM, which style-src does not govern, so the theme preview needs no 'unsafe-inline'. Frames
 * are same-origin only: the widget editor's preview is this server's /widget-preview page.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
};

/** esbuild names bundled files `<name>-<8+ char hash>.<ext>`: their content never changes under that name. */
const HASHED = /-[A-Z0-9]{8,}\.[a-z0-9]+$/i;

export const consoleAssets: FastifyPluginAsync<ConsoleAssetsOptions> = async (app, options) => {
  const dir = normalize(options.dir ?? DEFAULT_CONSOLE_DIR);

  const sendIndex = async (reply: FastifyReply): Promise<string> => {
    const html = await readFile(join(dir, 'index.html'), 'utf8').catch(() => undefined);
    if (html === undefined) {
      throw new ApiError(
        'PARLEY_ERR_CONSOLE_NOT_BUILT',
        `The console is not built (no ${join(dir, 'index.html')}): run \`npm run build\`.`,
      );
    }
    reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'same-origin');
    return html;
  };

  app.get('/console', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));

  app.get<{ Params: { '*': string } }>('/console/*', { schema: { hide: true } }, async (request, reply) => {
    const rest = request.params['*'];
    // Anything that is not a file under assets/ is a route of the SPA (history API): answer index.html.
    if (!rest.startsWith('assets/')) return sendIndex(reply);
    const file = normalize(join(dir, rest));
    const type = TYPES[extname(file)];
    const found =
      type !== undefined && file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? await stat(file).catch(() => undefined) : undefined;
    if (found === undefined || !found.isFile()) {
      throw new ApiError('PARLEY_ERR_ROUTE_NOT_FOUND', `No console file ${rest}; the page may be older than the running build: reload it.`);
    }
    reply
      .type(type ?? 'application/octet-stream')
      .header('cache-control', HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('x-content-type-options', 'nosniff');
    return readFile(file);
  });
};
