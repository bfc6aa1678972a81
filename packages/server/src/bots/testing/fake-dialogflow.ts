import { exportPKCS8, exportSPKI, generateKeyPair, importSPKI, jwtVerify } from 'jose';
import { sendJson, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

export interface FakeDialogflow {
  readonly upstream: FakeUpstream;
  /** A service-account JSON key whose token_uri is this fake's /token. */
  readonly serviceAccountKey: string;
  /** Assertions the token endpoint accepted. */
  readonly tokensIssued: () => number;
}

const CLIENT_EMAIL = 'parley-test@demo-project.iam.gserviceaccount.com';

/**
 * Test-only: Google's token endpoint (JWT-bearer grant; the assertion's signature is verified with
 * the service account's public key) plus Dialogflow ES v2 and CX v3 `detectIntent`
 * (shared/protocols/dialogflow.md). "Echo: <text>"; "options" gets quick replies / chips, "agent" a
 * live-agent handoff, "card" a card.
 */
export async function startFakeDialogflow(): Promise<FakeDialogflow> {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const verifyKey = await importSPKI(await exportSPKI(publicKey), 'RS256');
  let issued = 0;
  const upstream = await startFakeUpstream(async ({ url, body, headers, json, response }) => {
    if (url === '/token') {
      const form = new URLSearchParams(body);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        return sendJson(response, { error: 'unsupported_grant_type' }, 400);
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', verifyKey, {
          issuer: CLIENT_EMAIL,
          audience: `${upstream.url}/token`,
        });
        if (typeof payload['scope'] !== 'string') throw new Error('no scope');
      } catch {
        return sendJson(response, { error: 'invalid_grant' }, 400);
      }
      issued += 1;
      return sendJson(response, { access_token: `token-${issued}`, expires_in: 3599, token_type: 'Bearer' });
    }
    if (headers.authorization !== `Bearer token-${issued}` || issued === 0) {
      return sendJson(
        response,
        { error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } },
        401,
      );
    }
    const request = (json ?? {}) as { queryInput?: { text?: { text?: string; languageCode?: string }; languageCode?: string } };
    const said = request.queryInput?.text?.text ?? '';
    if (url.startsWith('/v2/')) return sendJson(response, esAnswer(said));
    if (url.startsWith('/v3/')) return sendJson(response, cxAnswer(said));
    sendJson(response, { error: { code: 404, message: 'not found' } }, 404);
  });
  upstream.alwaysOk.add('/token');
  upstream.malformedBody = '{"queryResult":"nope"}';
  const serviceAccountKey = JSON.stringify({
    type: 'service_account',
    project_id: 'demo-project',
    private_key_id: 'key-1',
    private_key: await exportPKCS8(privateKey),
    client_email: CLIENT_EMAIL,
    token_uri: `${upstream.url}/token`,
  });
  return { upstream, serviceAccountKey, tokensIssued: () => issued };
}

function esAnswer(said: string): unknown {
  const messages: unknown[] = [{ text: { text: [`Echo: ${said}`] } }, { platform: 'FACEBOOK', text: { text: ['Facebook only'] } }];
  if (said === 'options') messages.push({ quickReplies: { title: 'Pick one', quickReplies: ['2', '4'] } });
  if (said === 'card') {
    messages.push({
      card: {
        title: 'Plan',
        subtitle: 'Pro',
        imageUri: 'https://example.com/p.png',
        buttons: [{ text: 'Buy', postback: 'https://example.com/buy' }],
      },
    });
  }
  return {
    responseId: 'r1',
    queryResult: {
      queryText: said,
      fulfillmentText: `Echo: ${said}`,
      fulfillmentMessages: messages,
      intent: { name: 'projects/p/agent/intents/1', displayName: 'x', ...(said === 'agent' ? { liveAgentHandoff: true } : {}) },
    },
  };
}

function cxAnswer(said: string): unknown {
  const messages: unknown[] = [{ text: { text: [`Echo: ${said}`] } }];
  if (said === 'options') messages.push({ payload: { richContent: [[{ type: 'chips', options: [{ text: '2' }, { text: '4' }] }]] } });
  if (said === 'card') {
    messages.push({
      payload: {
        richContent: [
          [
            { type: 'info', title: 'Plan', subtitle: 'Pro', anchor: { href: 'https://example.com/plan' } },
            { type: 'button', text: 'Buy', anchor: { href: 'https://example.com/buy' } },
          ],
        ],
      },
    });
  }
  if (said === 'agent') messages.push({ liveAgentHandoff: { metadata: { queue: 'billing' } } });
  return { responseId: 'r1', queryResult: { text: said, languageCode: 'en', responseMessages: messages }, responseType: 'FINAL' };
}
