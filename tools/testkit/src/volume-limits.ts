/**
 * Every PARLEY_LIMIT_* volume limit of sessions, messages, uploads and bot turns turned off: for suites that
 * load a server on purpose (durability, failover, long histories) far beyond what a visitor types, where a
 * 429 would only hide what they test. The limits themselves are tested in packages/server/src/limits/.
 */
export const NO_VOLUME_LIMITS: Readonly<Record<string, string>> = Object.fromEntries(
  ['SESSIONS', 'MESSAGES', 'UPLOADS', 'BOT_TURNS'].flatMap((what) =>
    // Sessions are counted per address and widget only.
    (what === 'SESSIONS' ? ['ADDRESS', 'WIDGET'] : ['SESSION', 'ADDRESS', 'WIDGET']).map((per) => [
      `PARLEY_LIMIT_${what}_PER_${per}`,
      'off',
    ]),
  ),
);
