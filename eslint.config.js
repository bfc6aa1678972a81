// ESLint flat config. The import rule of DESIGN.md ("What may import what") lives here as
// `no-restricted-imports` blocks, one per package, each message saying where the code belongs instead.
// npm workspaces link every package into node_modules, so without these blocks an undeclared import
// would simply resolve. Static imports and re-exports are checked by `no-restricted-imports`; the same
// patterns are mirrored into `no-restricted-syntax` for `import()`, which that rule does not see (the
// widget loads its app and extras through `import()`).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Our workspace package names, without the `@parley/` scope. */
const PACKAGES = ['protocol', 'client', 'widget', 'console', 'server', 'testkit'];

const escapeRegex = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const anyOf = (names) => `(${names.map(escapeRegex).join('|')})`;

/** `node:*` and the bare builtin names (`fs`, `fs/promises`, `path`, ...): the same modules either way. */
const NODE_BUILTIN = `^(node:|${anyOf(builtinModules.filter((name) => !name.startsWith('_') && !name.includes('/')))}(/|$))`;

/** From inside packages/<name>/src: a relative path that leaves the package for another one's files. */
const CLIMB_INTO_PACKAGE = `^(\\.\\./)+(.*/)?((packages|tools)/|${anyOf(PACKAGES)}/(src|dist)(/|$))`;

/** From e2e, bench, examples, tools: a relative path into a package's files instead of its entry point. */
const RELATIVE_INTO_PACKAGE = '^\\.\\.?/(.*/)?(packages|tools)/[^/]+/(src|dist)(/|$)';

const list = (names) => names.map((name) => `@parley/${name}`).join(', ');

/**
 * Subpath entry points a package declares in its package.json `exports` besides its index: public, so not
 * "its files". `@parley/client/challenge` is one so that a page's lazy chunk can have the solver without the
 * core's import of @parley/client pulling it in (esbuild would share it between the two).
 */
const ENTRY_POINTS = ['client/challenge'];

/**
 * One package's block. Every import of ours falls into exactly one pattern (an import is reported once):
 * a named `deny` entry, a deep import of an allowed package, or the catch-all for every other
 * `@parley/*` (testkit, the package itself, packages added later).
 */
function boundary({ files, who, allow, deny, nodeMessage }) {
  const named = deny.flatMap(({ names }) => names);
  const patterns = [
    ...deny.map(({ names, message }) => ({
      group: names.flatMap((name) => [`@parley/${name}`, `@parley/${name}/**`]),
      regex: `^@parley/${anyOf(names)}(/|$)`,
      message,
    })),
    {
      group: ['@parley/*', ...[...allow, ...named].map((name) => `!@parley/${name}`)],
      regex: allow.length + named.length ? `^@parley/(?!${anyOf([...allow, ...named])}(/|$))` : '^@parley/',
      message: allow.length
        ? `${who} may import only ${list(allow)} of ours (DESIGN.md, "What may import what"); its own files are imported by relative path, and a type two packages need belongs in @parley/protocol.`
        : `${who} imports nothing of ours (DESIGN.md, "What may import what"); a type or schema two packages need is defined here, in packages/protocol/src.`,
    },
    ...(allow.length
      ? [
          {
            group: [...allow.map((name) => `@parley/${name}/**`), ...ENTRY_POINTS.map((entry) => `!@parley/${entry}`)],
            regex: `^@parley/${anyOf(allow)}/(?!${anyOf(ENTRY_POINTS.map((entry) => entry.split('/').slice(1).join('/')))}$)`,
            message: `Import the package's public entry point (${list(allow)}), not its files; export what you need from that package's src/index.ts.`,
          },
        ]
      : []),
    {
      regex: CLIMB_INTO_PACKAGE,
      message: `This relative path climbs out of ${who} into another package's files: import that package by name ('@parley/<name>'), if DESIGN.md's import table allows it.`,
    },
    // Omitted for the server: it is the Node service.
    ...(nodeMessage ? [{ regex: NODE_BUILTIN, message: nodeMessage }] : []),
  ];
  return restrict(files, patterns);
}

/** Emits the patterns for static imports (`group` where given, else `regex`) and for `import()`. */
function restrict(files, patterns) {
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: patterns.map(({ group, regex, message }) => (group ? { group, message } : { regex, message })),
        },
      ],
      'no-restricted-syntax': [
        'error',
        ...patterns.map(({ regex, message }) => ({
          selector: `ImportExpression[source.value=/${regex.replaceAll('/', '\\/')}/]`,
          message,
        })),
      ],
    },
  };
}

export default defineConfig(
  globalIgnores([
    '**/dist/**',
    '**/dist-browser/**',
    '**/node_modules/**',
    'data/**',
    'coverage/**',
    'screenshots/**',
    'bench/results/**',
    'bench/.cache/**',
    'docs/**',
  ]),

  js.configs.recommended,
  tseslint.configs.recommended,

  {
    languageOptions: { ecmaVersion: 'latest', sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
    },
  },

  // Runtimes, for plain .js files (TypeScript files get their globals from tsc).
  {
    files: ['*.{js,mjs,cjs,ts}', 'packages/server/**', 'tools/**', 'e2e/**', 'bench/**'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['packages/widget/**', 'packages/console/**'],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ['examples/**'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },

  // Programs whose output is the console.
  {
    files: [
      'packages/server/src/main.ts',
      'packages/server/src/cli.ts',
      'packages/server/src/cli/**',
      'bench/**',
      'tools/**',
      'e2e/**',
      'examples/**',
    ],
    rules: { 'no-console': 'off' },
  },

  // ---- What may import what (DESIGN.md). Test files (`*.test.ts`) beside the code follow their package. ----

  boundary({
    files: ['packages/protocol/src/**'],
    who: '@parley/protocol',
    allow: [],
    deny: [],
    nodeMessage:
      'protocol is the contract: types + schemas, no I/O, no node: imports. I/O belongs in @parley/server, or behind an injected interface in @parley/client.',
  }),

  boundary({
    files: ['packages/client/src/**'],
    who: '@parley/client',
    allow: ['protocol'],
    deny: [
      {
        names: ['widget', 'console'],
        message:
          '@parley/client is the headless layer the widget and the console build on, so it never imports them: move the shared piece down into @parley/client (or @parley/protocol for types).',
      },
      {
        names: ['server'],
        message: '@parley/client talks to the server over the wire only: a shape both sides need belongs in @parley/protocol.',
      },
    ],
    nodeMessage:
      '@parley/client runs in browsers and Node, so no node: imports: platform globals (WebSocket, EventSource, fetch, storage, timers) are injected by the caller.',
  }),

  ...[
    ['widget', 'console'],
    ['console', 'widget'],
  ].map(([self, other]) =>
    boundary({
      files: [`packages/${self}/src/**`],
      who: `@parley/${self}`,
      allow: ['protocol', 'client'],
      deny: [
        {
          names: ['server'],
          message: `@parley/${self} reaches the server over the wire through @parley/client; a shape both sides need belongs in @parley/protocol.`,
        },
        {
          names: [other],
          message: `The widget and the console never import each other: shared non-UI logic belongs in @parley/client, shared types in @parley/protocol.`,
        },
      ],
      nodeMessage: `@parley/${self} runs in the browser, so no node: imports: do I/O through @parley/client.`,
    }),
  ),

  boundary({
    files: ['packages/server/src/**'],
    who: '@parley/server',
    allow: ['protocol'],
    deny: [
      {
        names: ['client', 'widget', 'console'],
        message:
          'The server serves the client, widget and console build output as files, it never imports their code: a shape both sides need belongs in @parley/protocol.',
      },
    ],
  }),

  restrict(
    ['e2e/**', 'bench/**', 'examples/**', 'tools/**'],
    [
      {
        group: ['@parley/*/src', '@parley/*/src/**', '@parley/*/dist', '@parley/*/dist/**'],
        regex: '^@parley/[^/]+/(src|dist)(/|$)',
        message:
          "Use the package's public entry point ('@parley/server', '@parley/client', ...), not its files: export what you need from that package's src/index.ts.",
      },
      {
        regex: RELATIVE_INTO_PACKAGE,
        message:
          "Use the package's public entry point ('@parley/server', '@parley/client', ...) instead of a relative path into packages/*/src: export what you need from that package's src/index.ts.",
      },
    ],
  ),
);
