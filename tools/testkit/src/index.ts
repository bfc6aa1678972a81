// The testkit's public door for tests, benches and e2e (generate-docs.ts is a script, run on its own).
export { FakeConversation, type Subscriber } from './fake-conversation.js';
export { FakeRealtimeServer, type FakeBehaviour, type FakeTransport } from './fake-realtime-server.js';
export { NodeEventSource } from './node-event-source.js';
export { axeViolations, launchBrowser, CHROMIUM_PATH, type AxeViolation } from './browser.js';
export { consolePages, DEMO_ADMIN, loginThroughForm, seedConsoleDemo, type ConsoleDemo, type ConsolePage } from './console-demo.js';
