import { describe, expect, it } from 'vitest';
import { ParleyApiError, RestClient } from './rest-client.js';

const challenge = { algorithm: 'SHA-256', challenge: 'a'.repeat(64), maxnumber: 10_000, salt: 'abc?expires=1&', signature: 'b'.repeat(64) };

describe('RestClient', () => {
  it('hands the challenge of a 428 PARLEY_ERR_CHALLENGE_REQUIRED to the caller on the error', async () => {
    const sent: unknown[] = [];
    const client = new RestClient({
      baseUrl: 'https://chat.example.com/',
      fetch: async (url, init) => {
        sent.push([url, init?.body]);
        return new Response(JSON.stringify({ error: { code: 'PARLEY_ERR_CHALLENGE_REQUIRED', message: 'solve it', challenge } }), {
          status: 428,
        });
      },
    });
    const error = await client.createSession('wgt_1', {}).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ParleyApiError);
    expect(error).toMatchObject({ status: 428, code: 'PARLEY_ERR_CHALLENGE_REQUIRED', challenge });
    expect(sent).toEqual([['https://chat.example.com/v1/widgets/wgt_1/sessions', '{}']]);
  });

  it('leaves challenge undefined on other errors', async () => {
    const client = new RestClient({
      baseUrl: 'https://chat.example.com',
      fetch: async () => new Response(JSON.stringify({ error: { code: 'PARLEY_ERR_WIDGET_NOT_FOUND', message: 'no' } }), { status: 404 }),
    });
    const error = await client.createSession('wgt_1').catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ status: 404, code: 'PARLEY_ERR_WIDGET_NOT_FOUND', challenge: undefined });
  });
});
