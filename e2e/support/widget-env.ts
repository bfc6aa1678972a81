// The e2e tests' door to the widget environment, which lives in the testkit so `npm run screenshots` shares it.
export { ADMIN_KEY, startWidgetEnv, type WidgetEnv } from '@parley/testkit';
