import { createHmac, randomUUID } from 'node:crypto';

/**
 * Signs a webhook body the Standard Webhooks way (https://www.standardwebhooks.com): headers
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "<id>.<timestamp>.<body>">`. A `whsec_`-prefixed secret is base64 after the prefix (the
 * standard's form); any other secret is used as its UTF-8 bytes.
 */
export function signWebhook(secret: string, body: string, now = Date.now(), id = `msg_${randomUUID()}`): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
