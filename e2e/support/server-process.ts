// The e2e tests' door to the built-server runner, which lives in the testkit so `npm run screenshots` shares it.
export { freePort, killServer, SERVER_MAIN, startServer, type ServerProcess } from '@parley/testkit';
