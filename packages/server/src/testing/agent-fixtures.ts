import type { TestServer } from './test-server.js';

export interface TestAgent {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  /** `parley_console=<token>`, ready for a Cookie header. */
  readonly cookie: string;
  readonly token: string;
}

let counter = 0;

/** Creates an agent with the admin key and logs it in. */
export async function createAgent(
  server: TestServer,
  fields: { role?: 'admin' | 'agent'; name?: string; capacity?: number; teamIds?: string[] } = {},
): Promise<TestAgent> {
  counter += 1;
  const email = `agent${counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const password = `password-${counter}-secret`;
  const created = await server.request('POST', '/v1/agents', {
    body: { email, password, name: fields.name ?? `Agent ${counter}`, ...fields },
  });
  if (created.status !== 201) throw new Error(`agent creation failed: ${created.body}`);
  const { cookie, token } = await login(server, email, password);
  return { id: created.json.id, email, password, cookie, token };
}

export async function login(server: TestServer, email: string, password: string): Promise<{ cookie: string; token: string }> {
  const response = await server.request('POST', '/v1/auth/login', { auth: 'none', body: { email, password } });
  if (response.status !== 200) throw new Error(`login failed: ${response.body}`);
  return { cookie: cookieOf(response.headers['set-cookie']), token: response.json.token };
}

export function cookieOf(header: string | string[] | number | undefined): string {
  const first = Array.isArray(header) ? header[0] : header;
  return String(first ?? '').split(';')[0] ?? '';
}
