import { describe, expect, it } from 'vitest';
import type { AuthorRole, Message } from '@parley/protocol';
import type { BotEvent } from './bot-connector.js';
import { BuiltinBot } from './builtin-bot.js';

function message(seq: number, role: AuthorRole, text: string): Message {
  return {
    id: `msg_${seq}`,
    conversationId: 'conv_test',
    seq,
    author: { role, id: role, name: role },
    type: 'text',
    text,
    payload: null,
    clientId: null,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

async function answer(config: unknown, ...texts: string[]): Promise<BotEvent[]> {
  const history = texts.map((text, index) => message(index + 1, 'visitor', text));
  return collect(new BuiltinBot(config), history);
}

async function collect(bot: BuiltinBot, history: readonly Message[]): Promise<BotEvent[]> {
  const events: BotEvent[] = [];
  for await (const event of bot.reply({
    conversationId: 'conv_test',
    history,
    language: 'en',
    meta: {},
    contact: null,
    pageUrl: null,
    tools: [],
  })) {
    events.push(event);
  }
  return events;
}

const FAQ = {
  rules: [
    { patterns: ['price', 'cost'], answer: 'It is free.' },
    { patterns: ['résumé'], answer: 'Send your CV.' },
    { patterns: ['价格', '営業時間', 'メール', 'ガス'], answer: 'CJK answer' },
    { patterns: ['agent'], answer: 'Agents answer within a day.' },
    { patterns: ['hours'], answer: 'We open at 9.', quickReplies: ['Weekend?', 'Holidays?'] },
  ],
  fallback: 'Sorry, I did not get that.',
  handoffPhrases: ['operator'],
};

const text = (value: string): BotEvent[] => [{ type: 'text', text: value }];
const fallback: BotEvent[] = [{ type: 'quick_replies', text: 'Sorry, I did not get that.', replies: ['Talk to a human'] }];

describe('builtin bot', () => {
  it.each([
    ['What is the PRICE?', text('It is free.')],
    ['How much does it cost', text('It is free.')],
    ['Can I talk to an agent?', text('Agents answer within a day.')],
    ['What is on the agenda?', fallback],
    ['Is it priceless?', fallback],
    ['agent', text('Agents answer within a day.')],
    ['agent-based pricing', text('Agents answer within a day.')],
  ])('matches whole words only: %j', async (said, expected) => {
    expect(await answer(FAQ, said)).toEqual(expected);
  });

  it.each([['Where do I send my RESUME?'], ['Mon résumé, svp'], ['RÉSUMÉ']])('ignores case and accents: %j', async (said) => {
    expect(await answer(FAQ, said)).toEqual(text('Send your CV.'));
  });

  it.each([['请问这个价格是多少？'], ['営業時間を教えてください'], ['メールアドレスを変更したい']])(
    'finds a CJK pattern inside a sentence: %j',
    async (said) => {
      expect(await answer(FAQ, said)).toEqual(text('CJK answer'));
    },
  );

  it.each([['メルカリで買いました'], ['カスタマーサポート']])('keeps Japanese length and voicing marks significant: %j', async (said) => {
    expect(await answer(FAQ, said)).toEqual(fallback);
  });

  it('lets a longer match of a later rule win over a shorter one inside it ("open" in "open source")', async () => {
    const rules = {
      rules: [
        { patterns: ['hours', 'open'], answer: 'Hours.' },
        { patterns: ['open source', '开源'], answer: 'MIT.' },
        { patterns: ['源'], answer: 'Source.' },
      ],
    };
    expect(await answer(rules, 'Is this open source?')).toEqual(text('MIT.'));
    expect(await answer(rules, 'Are you open today?')).toEqual(text('Hours.'));
    expect(await answer(rules, 'Open on Sunday? And is it open source?')).toEqual(text('Hours.'));
    expect(await answer(rules, '这是开源的吗')).toEqual(text('MIT.'));
  });

  it('answers a rule with quick replies when it has them', async () => {
    expect(await answer(FAQ, 'opening hours?')).toEqual([
      { type: 'quick_replies', text: 'We open at 9.', replies: ['Weekend?', 'Holidays?'] },
    ]);
  });

  it('offers a human with the fallback, under the configured label', async () => {
    expect(await answer(FAQ, 'Hmm')).toEqual(fallback);
    expect(await answer({ ...FAQ, handoffLabel: 'Parler à un conseiller' }, 'Hmm')).toEqual([
      { type: 'quick_replies', text: 'Sorry, I did not get that.', replies: ['Parler à un conseiller'] },
    ]);
  });

  it('asks for a human on a default or configured handoff phrase, before any rule', async () => {
    const handoff: BotEvent[] = [{ type: 'handoff', reason: 'visitor asked for a human', byVisitor: true }];
    expect(await answer({ fallback: 'No idea.' }, 'Can I talk to a HUMAN about the price?')).toEqual(handoff);
    expect(await answer({ fallback: 'No idea.' }, 'I want to talk to someone')).toEqual(handoff);
    expect(await answer(FAQ, 'Operator please, about the price')).toEqual(handoff);
    expect(await answer(FAQ, 'a human')).toEqual(fallback);
  });

  it('treats choosing its own handoff quick reply as asking for a human', async () => {
    const handoff: BotEvent[] = [{ type: 'handoff', reason: 'visitor asked for a human', byVisitor: true }];
    expect(await answer(FAQ, 'Talk to a human')).toEqual(handoff);
    expect(await answer({ ...FAQ, handoffLabel: 'Parler à un conseiller' }, 'Parler à un conseiller')).toEqual(handoff);
  });

  it('echoes the visitor words unchanged when echo is on and nothing else answers', async () => {
    expect(await answer({ echo: true }, 'Héllo, World!')).toEqual(text('Héllo, World!'));
    expect(await answer({ echo: true, rules: FAQ.rules }, 'price')).toEqual(text('It is free.'));
    expect(await answer({ echo: true, fallback: 'Fallback wins.' }, 'Hi')).toEqual([
      { type: 'quick_replies', text: 'Fallback wins.', replies: ['Talk to a human'] },
    ]);
  });

  it('stays silent with neither fallback nor echo, and without a visitor message', async () => {
    expect(await answer({ rules: FAQ.rules }, 'Hmm')).toEqual([]);
    expect(await collect(new BuiltinBot(FAQ), [message(1, 'bot', 'Hello!')])).toEqual([]);
  });

  it('answers the latest visitor message, not earlier ones or the bot', async () => {
    const history = [
      message(1, 'bot', 'Hello!'),
      message(2, 'visitor', 'price?'),
      message(3, 'visitor', 'Hmm'),
      message(4, 'bot', 'price'),
    ];
    expect(await collect(new BuiltinBot(FAQ), history)).toEqual(fallback);
  });

  it('refuses an invalid configuration', () => {
    expect(() => new BuiltinBot({ rules: [{ patterns: [], answer: 'x' }] })).toThrow();
    expect(() => new BuiltinBot({ unknown: true })).toThrow();
  });
});
