import * as v from 'valibot';
import { nameSchema } from './common-schemas.js';

export const apiKeyCreateSchema = v.strictObject({ name: nameSchema });

export interface ApiKey {
  readonly id: string;
  readonly object: 'api_key';
  readonly name: string;
  /** The first characters of the key, to recognise it; the key itself is stored only as a hash. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** Returned once, on creation: the only time the secret key is visible. */
export interface ApiKeyCreated extends ApiKey {
  readonly key: string;
}
