import type { FastifyReply } from 'fastify';
import { ApiError } from '../http/api-error.js';

/** Throws the 429 of a volume limit, with Retry-After, when `wait` (seconds) says the request must wait. */
export function refuseWhenLimited(reply: FastifyReply, wait: number, what: string): void {
  if (wait <= 0) return;
  void reply.header('retry-after', String(wait));
  throw new ApiError('PARLEY_ERR_RATE_LIMITED', `Too many ${what}; try again in ${wait} s.`, undefined, { retryAfterSeconds: wait });
}
