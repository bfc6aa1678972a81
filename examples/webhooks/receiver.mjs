// A minimal receiver of Parley's webhooks: verifies each delivery with the `standardwebhooks` package,
// answers 2xx only once the event is handled, and treats a repeated `webhook-id` as already done.
//   npm install standardwebhooks
//   PARLEY_WEBHOOK_SECRET=whsec_... PORT=3000 node receiver.mjs
import { createServer } from 'node:http';
import { Webhook } from 'standardwebhooks';

const webhook = new Webhook(process.env.PARLEY_WEBHOOK_SECRET ?? '');
// Parley retries until it gets a 2xx, and a replay resends the same webhook-id: remember what was handled.
// (In production keep these ids in your database, for as long as Parley retries: 24 hours.)
const handled = new Set();

async function handle(event) {
  // Your work here: upsert the contact into your CRM, open a ticket... Throwing makes Parley retry.
  console.log(JSON.stringify({ type: event.type, data: event.data }));
}

const server = createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', async () => {
    // Verify the exact bytes received: parsing and re-serialising the JSON would change the signature.
    const body = Buffer.concat(chunks).toString('utf8');
    let event;
    try {
      event = webhook.verify(body, request.headers);
    } catch {
      response.writeHead(401).end('bad signature');
      return;
    }
    const id = String(request.headers['webhook-id']);
    try {
      if (!handled.has(id)) await handle(event);
      handled.add(id);
      response.writeHead(204).end();
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
});

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.error(`listening on http://127.0.0.1:${server.address().port}/`);
});
