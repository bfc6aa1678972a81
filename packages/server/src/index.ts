export { buildApp, type BuildOptions, type Parley } from './app.js';
export { loadConfig, ConfigError, type Config } from './config.js';
export { firstRun } from './bootstrap.js';
export { identityHash } from './auth/identity.js';
export type { Translator } from './widgets/translator.js';
export type { Services } from './services.js';
