import { describe, expect, it } from 'vitest';
import { n8nText } from './n8n-text.js';

const BASE = 'https://chat.example.com';

describe('n8nText', () => {
  it('shows an image as a Markdown image with its alt text, its stored path made absolute', () => {
    const image = { type: 'file', text: '', payload: { url: '/files/abc', mimeType: 'image/png', name: 'cat.png', alt: 'A cat' } };
    expect(n8nText(image, BASE)).toBe('![A cat](https://chat.example.com/files/abc)');
    expect(n8nText({ ...image, payload: { url: 'https://cdn.example/x.png', mimeType: 'image/*' } }, BASE)).toBe(
      '![x.png](https://cdn.example/x.png)',
    );
  });

  it('shows any other file as a Markdown link named after the file, escaping what would end the link', () => {
    const file = { type: 'file', text: 'menu.pdf', payload: { url: 'https://cdn.example/a (1).pdf', name: 'menu [v2].pdf' } };
    expect(n8nText(file, BASE)).toBe('[menu \\[v2\\].pdf](https://cdn.example/a%20%281%29.pdf)');
  });

  it('falls back to the text of a file without a usable URL, and says nothing when there is none', () => {
    expect(n8nText({ type: 'file', text: 'report', payload: { url: 'javascript:alert(1)' } }, BASE)).toBe('report');
    expect(n8nText({ type: 'file', text: '', payload: null }, BASE)).toBe('');
    expect(n8nText({ type: 'text', text: '  ', payload: null }, BASE)).toBe('');
  });

  it('shows a card with its image, linked title, subtitle and buttons', () => {
    const card = {
      type: 'card',
      text: '**Pro**\nFor teams',
      payload: {
        title: 'Pro',
        subtitle: 'For teams',
        imageUrl: 'https://cdn.example/pro.png',
        url: 'https://shop.example/pro',
        buttons: [
          { label: 'Buy', url: 'https://shop.example/buy' },
          { label: 'Tell me more', reply: 'more' },
        ],
      },
    };
    expect(n8nText(card, BASE)).toBe(
      '![Pro](https://cdn.example/pro.png)\n\n**[Pro](https://shop.example/pro)**\nFor teams\n\n- [Buy](https://shop.example/buy)\n- Tell me more',
    );
  });

  it('shows each card of a carousel once, with the bot’s own text first when it had one', () => {
    const cards = [{ title: 'A' }, { title: 'B', subtitle: 'b' }];
    expect(n8nText({ type: 'carousel', text: '**A**\n\n**B**\nb', payload: { cards } }, BASE)).toBe('**A**\n\n**B**\nb');
    expect(n8nText({ type: 'carousel', text: 'Pick one', payload: { cards } }, BASE)).toBe('Pick one\n\n**A**\n\n**B**\nb');
  });

  it('lists quick replies under their text', () => {
    expect(n8nText({ type: 'quick_replies', text: 'More?', payload: { replies: ['Yes', 'No'] } })).toBe('More?\n\n- Yes\n- No');
  });
});
