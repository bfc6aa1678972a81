// The testkit's public door for tests, benches and e2e (generate-docs.ts and screenshots.ts are scripts, run on their own).
export { FakeConversation, type Subscriber } from './fake-conversation.js';
export { FakeRealtimeServer, type FakeBehaviour, type FakeTransport } from './fake-realtime-server.js';
export { NodeEventSource } from './node-event-source.js';
export { startTcpProxy, type CutMode, type TcpProxy } from './tcp-proxy.js';
export { NO_VOLUME_LIMITS } from './volume-limits.js';
export { axeViolations, launchBrowser, type AxeViolation } from './browser.js';
export {
  CONSOLE_ADMIN_ENV,
  consolePages,
  DEMO_ADMIN,
  loginThroughForm,
  openConsole,
  seedConsoleDemo,
  type ConsoleDemo,
  type ConsolePage,
} from './console-demo.js';
export { assertConsoleBuilt, startConsoleE2e, type ConsoleE2e } from './console-e2e.js';
export { addSaturdayHours, addTool } from './console-editor-steps.js';
export { seedReportsDemo, type ReportsDemo } from './console-reports-demo.js';
export { freePort, killServer, SERVER_MAIN, startFreshServer, startServer, type FreshServer, type ServerProcess } from './built-server.js';
export { ADMIN_KEY, startWidgetEnv, type WidgetEnv } from './widget-env.js';
export { addAfterWelcome, widget } from './widget-page.js';
export { startScriptedBot, STREAM_REST, STREAM_SHOWN, type ScriptedBot } from './scripted-bot.js';
export { shootWidgetStates, WIDGET_STATES_BROWSER_ARGS, type WidgetShot } from './widget-states.js';
export { continueInBrowser, seedLongConversation, type LongConversation } from './long-conversation.js';
export { packedPackage, type PackedPackage } from './packed-package.js';
