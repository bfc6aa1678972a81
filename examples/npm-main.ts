// The npm way: `npm i @parley/widget`, then mount from your own bundle. The server and widget id come
// from data attributes here only so that the same page works in the tests; write them in your code.
import { mount } from '@parley/widget';

const target = document.querySelector<HTMLElement>('#chat');
if (target !== null) {
  const chat = await mount({
    server: target.dataset['server'] ?? '',
    widgetId: target.dataset['widget'] ?? '',
    layout: 'inline',
    target,
  });
  chat.on('message', (message) => {
    const item = document.createElement('li');
    item.textContent = `${message.author.role}: ${message.text}`;
    document.querySelector('#events')?.append(item);
  });
}
