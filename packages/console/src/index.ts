// The console is a browser app; its entry for the bundle is main.tsx. This door exists for tests and tooling.
export { App } from './app.js';
export { NAV } from './shell.js';
