import { writeFileSync } from 'node:fs';
import { errorsMarkdown, openApiJson } from './generated-docs.js';

// `npm run docs:generate`: rewrites the generated documents; a test fails when they are stale.
const root = new URL('../../../', import.meta.url);
writeFileSync(new URL('docs/errors.md', root), errorsMarkdown());
writeFileSync(new URL('docs/openapi.json', root), await openApiJson());
console.log('wrote docs/errors.md and docs/openapi.json');
