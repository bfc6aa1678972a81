export { buildApp, type BuildOptions, type Parley } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { firstRun } from './bootstrap.js';
export { identityHash } from './auth/identity.js';
// The rollups' rule, for the reports bench that seeds report_rollups as the recorder would have written them.
export { RollupDeltas } from './reports/report-rollups.js';
export type { Translator } from './widgets/translator.js';
export type { Services } from './services.js';
// The bus payload of a conversation event, for the Redis fan-out bench that publishes what a node publishes.
export { encodeEvent } from './engine/conversation-events.js';
