import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CATALOG, keysOf } from '@parley/protocol';
import { buildApp, loadConfig } from '@parley/server';

/** docs/errors.md, generated from the protocol's error catalog. */
export function errorsMarkdown(): string {
  const lines = [
    '# Errors',
    '',
    '<!-- Generated from packages/protocol/src/errors.ts by `npm run docs:generate`. Do not edit by hand. -->',
    '',
    'Every error answer has the shape `{ "error": { "code", "message", "field"?, "requestId" } }`. `code` is stable;',
    '`message` names the offending value; `field` is the dotted path of the offending field when there is one.',
    '',
    '| code | status | meaning | how to fix |',
    '| --- | --- | --- | --- |',
  ];
  for (const code of keysOf(ERROR_CATALOG)) {
    const spec = ERROR_CATALOG[code];
    lines.push(`| \`${code}\` | ${spec.status} | ${escapeCell(spec.title)} | ${escapeCell(spec.fix)} |`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** docs/openapi.json, generated from the route schemas of a real app instance. */
export async function openApiJson(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-docs-'));
  try {
    const config = loadConfig({ PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'silent', PARLEY_PUBLIC_URL: 'http://localhost:3000' });
    const { app } = await buildApp(config, { logger: false });
    try {
      await app.ready();
      const response = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
      return `${JSON.stringify(JSON.parse(response.body), null, 2)}\n`;
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
