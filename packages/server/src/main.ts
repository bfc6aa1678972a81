import { buildApp, type Parley } from './app.js';
import { firstRun, type FirstRun } from './bootstrap.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { survivesClosedReader } from './http/stdout-destination.js';
import { acquireSetupLock } from './store/setup-lock.js';

const SHUTDOWN_GRACE_MS = 10_000;
/**
 * Connections the kernel may hold for us before we accept them (Node's default is 511). Linux caps what we ask at
 * net.core.somaxconn (4096 by default), so we ask the most it can give: raising that sysctl is all a node with many
 * visitors needs (docs/production.md). When a node comes back, its clients all connect within seconds; a handshake
 * dropped past the backlog is retried by the client's TCP after 1 s, then 3 s, and a socket not open within the
 * client's open timeout (4 s) backs off: those were the last visitors back in the reconnect-storm bench.
 */
const LISTEN_BACKLOG = 65_535;

async function main(): Promise<void> {
  // A log pipe whose reader went away must not end the node (the logger guards stdout the same way).
  survivesClosedReader(process.stdout);
  survivesClosedReader(process.stderr);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`parley: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }

  const { app, rebalancer, first } = await setUp(config);
  await app.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG });

  const storage = config.storage.kind === 'sqlite' ? `SQLite at ${config.storage.file}` : 'PostgreSQL';
  const lines = ['', `  Parley is running at ${config.publicUrl}/  (storage: ${storage})`, `  API reference:  ${config.publicUrl}/docs`];
  if (first.adminKey !== null) {
    lines.push(
      '',
      `  Admin API key (shown once, store it now): ${first.adminKey}`,
      `  More keys: npm run parley -- keys create --name <name>`,
    );
  }
  if (first.demoWidgetId !== null) lines.push(`  Demo widget: ${first.demoWidgetId}`);
  if (first.admin !== null) {
    lines.push('', `  Agent console: ${config.publicUrl}/console  (Email: ${first.admin.email})`);
    if (first.admin.password !== null) lines.push(`  Password (shown once, change it after logging in): ${first.admin.password}`);
  }
  console.log(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  // After a failover: shed this node's connections over PARLEY_REBALANCE_SPREAD_SECONDS, keep serving (docs/deploy.md).
  // Node leaves SIGUSR2 to applications (SIGUSR1 is its inspector's); without this handler it would end the process.
  process.on('SIGUSR2', () => {
    if (!stopping) rebalancer.start(config.rebalanceSpreadSeconds * 1000);
  });
}

/**
 * Builds the app (which creates the schema and runs the migrations) and the first-start setup under
 * the setup lock: nodes starting together on an empty database take turns, so exactly one creates the
 * first admin, key and demo widget, and the others find them.
 */
async function setUp(config: Config): Promise<Omit<Parley, 'services'> & { readonly first: FirstRun }> {
  const lock = await acquireSetupLock(config.storage, () => console.log('parley: another node is setting up the database; waiting for it'));
  try {
    const { app, services, rebalancer } = await buildApp(config);
    return { app, rebalancer, first: await firstRun(services, config.firstAdmin) };
  } finally {
    await lock.release();
  }
}

main().catch((error: unknown) => {
  console.error(`parley: failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
