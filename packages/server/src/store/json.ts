/**
 * JSON columns hold values this server validated before writing them, so reading them back trusts
 * the declared type (validate at the edge, trust inside).
 */
export function readJson<T>(text: string): T {
  return JSON.parse(text) as T;
}

export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}
