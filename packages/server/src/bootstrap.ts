import { randomBytes } from 'node:crypto';
import { apiKeyPrefix, generateApiKey, hashApiKey } from './auth/api-keys.js';
import { SYSTEM_ACTOR } from './audit/index.js';
import type { Services } from './services.js';

export interface FirstRun {
  /** The first admin key, when this start created it. It is shown once and only its hash is kept. */
  readonly adminKey: string | null;
  readonly demoWidgetId: string | null;
  /** The first console admin, when this start created it; `password` only when it was generated (shown once). */
  readonly admin: { readonly email: string; readonly password: string | null } | null;
}

export const DEMO_ADMIN_EMAIL = 'admin@parley.local';

/**
 * On an empty database: one admin key and a demo widget answered by the built-in FAQ bot, so
 * `npm start` gives something that works without any set-up.
 */
export async function firstRun(
  services: Services,
  firstAdmin: { readonly email: string; readonly password: string } | null = null,
): Promise<FirstRun> {
  let admin: FirstRun['admin'] = null;
  if ((await services.agents.count()) === 0) {
    // PARLEY_ADMIN_EMAIL + PARLEY_ADMIN_PASSWORD (automation) or a demo admin with a generated password, printed once.
    const email = firstAdmin?.email ?? DEMO_ADMIN_EMAIL;
    const password = firstAdmin?.password ?? randomBytes(12).toString('base64url');
    await services.agents.create({ email, name: firstAdmin === null ? 'Demo admin' : 'Admin', password, role: 'admin' });
    admin = { email, password: firstAdmin === null ? password : null };
  }
  let adminKey: string | null = null;
  if ((await services.apiKeys.count()) === 0) {
    adminKey = generateApiKey();
    await services.apiKeys.create('first admin key', hashApiKey(adminKey), apiKeyPrefix(adminKey));
  }
  const existing = await services.widgets.list({ take: 1, cursor: undefined, blueprintId: undefined, meta: [] });
  if (existing.items.length > 0) return { adminKey, demoWidgetId: null, admin };
  const bot = await services.bots.create({
    kind: 'builtin',
    name: 'Parley demo bot',
    config: {
      rules: [
        { patterns: ['hello', 'hi', 'hey'], answer: 'Hello! Ask me about pricing, hours, set-up or the licence, or ask for a human.' },
        {
          patterns: ['price', 'pricing', 'cost'],
          answer: 'Parley is open source and free to self-host.',
          quickReplies: ['How do I install it?'],
        },
        { patterns: ['install', 'set up', 'setup'], answer: 'Run `npm ci && npm start`, then paste the embed code from the home page.' },
        // Before the hours rule, and "open source" outmatches that rule's "open" anyway (the longer match wins).
        {
          patterns: ['open source', 'open-source', 'opensource', 'licence', 'license', 'source code'],
          answer: 'Yes: Parley is open source under the MIT licence. You can self-host it, read and change every line.',
        },
        { patterns: ['hours', 'open'], answer: 'Our team answers Monday to Friday, 9:00–17:00.' },
      ],
      fallback: 'I am the demo bot and did not understand that. Try “pricing” or “install”, or talk to a human.',
    },
  });
  const widget = await services.widgets.create(
    {
      name: 'Demo widget',
      description: 'Created on first start; answered by the built-in FAQ bot.',
      botId: bot.id,
      title: 'Parley demo',
      languages: ['en', 'es', 'fr', 'de'],
    },
    SYSTEM_ACTOR,
  );
  return { adminKey, demoWidgetId: widget.id, admin };
}
