import { sendJson, sendLines, startFakeUpstream, type FakeUpstream } from './fake-upstream.js';

/**
 * Test-only: Rasa's REST channel (shared/protocols/rasa.md). Says "Echo: <message>"; "book" gets
 * buttons, "menu" an image, "book with menu" buttons then an image, "socket shapes" the Socket.IO-style
 * `quick_replies` and image attachment, "human" a custom handoff payload, and a button payload is acknowledged.
 */
export async function startFakeRasa(): Promise<FakeUpstream> {
  const fake = await startFakeUpstream(async ({ json, url, response }) => {
    const body = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    const sender = String(body['sender'] ?? 'default');
    const message = String(body['message'] ?? '');
    const out: Record<string, unknown>[] = [];
    if (message === 'book') {
      out.push({
        recipient_id: sender,
        text: 'For how many people?',
        buttons: [
          { title: '2', payload: '/inform{"people":"2"}' },
          { title: '4', payload: '/inform{"people":"4"}' },
        ],
      });
    } else if (message.startsWith('/inform')) {
      out.push({ recipient_id: sender, text: `Booked: ${message}` });
    } else if (message === 'menu') {
      out.push({ recipient_id: sender, text: 'Here is the menu.' }, { recipient_id: sender, image: 'https://example.com/menu.png' });
    } else if (message === 'book with menu') {
      // Rasa splits one response into its parts: the text with its buttons, then the image (shared/protocols/rasa.md §1.2).
      out.push(
        { recipient_id: sender, text: 'For how many people?', buttons: [{ title: '2', payload: '/inform{"people":"2"}' }] },
        { recipient_id: sender, image: 'https://example.com/menu.png' },
      );
    } else if (message === 'socket shapes') {
      out.push({
        recipient_id: sender,
        text: 'Which size?',
        quick_replies: [{ title: 'Large', payload: '/size{"s":"L"}' }],
        attachment: { type: 'image', payload: { src: 'https://example.com/sizes.png' } },
      });
    } else if (message === 'human') {
      out.push(
        { recipient_id: sender, text: 'Let me get someone.' },
        { recipient_id: sender, custom: { type: 'handoff', reason: 'user_request' } },
      );
    } else {
      out.push({ recipient_id: sender, text: `Echo: ${message}` });
    }
    if (url.includes('stream=true')) {
      await sendLines(
        response,
        'text/event-stream',
        out.map((m) => `${JSON.stringify(m)}\n`),
      );
      return;
    }
    sendJson(response, out);
  });
  fake.malformedBody = '{"recipient_id":"x","text":42}';
  return fake;
}
