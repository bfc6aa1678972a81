import { describe, expect, it } from 'vitest';
import { summarizeUserAgent } from '../contacts/user-agent.js';
import { createBotAndWidget, openSession } from '../testing/fixtures.js';
import { describeEachDialect, startTestServer } from '../testing/test-server.js';
import { scanAllTables } from '../testing/table-scan.js';
import { rowsMentioning } from './testing/subject.js';
import { minimiseMeta, reduceUserAgent } from './user-agent-meta.js';

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';

describe('reduceUserAgent', () => {
  it('keeps browser family, OS family and device class only, in a form the contacts read back', () => {
    expect(reduceUserAgent(CHROME_MAC)).toBe('Chrome · macOS · desktop');
    expect(reduceUserAgent(SAFARI_IPHONE)).toBe('Safari · iOS · mobile');
    expect(summarizeUserAgent('Chrome · macOS · desktop')).toEqual({ browser: 'Chrome', os: 'macOS', device: 'desktop' });
    expect(reduceUserAgent('curl/8.0')).toBeUndefined();
    expect(minimiseMeta({ browser: 'curl/8.0', pageUrl: 'https://a.example' })).toEqual({ pageUrl: 'https://a.example' });
    expect(minimiseMeta({ userAgent: CHROME_MAC, language: 'en' })).toEqual({ userAgent: 'Chrome · macOS · desktop', language: 'en' });
  });
});

describeEachDialect(
  'the User-Agent a session brings',
  (dialect) => startTestServer(dialect, { retention: false }),
  (server) => {
    it('is stored nowhere raw: the conversation keeps the reduced form, the contact its device summary', async () => {
      const s = server();
      const { widgetId } = await createBotAndWidget(s);
      const session = await openSession(s, widgetId, { contact: { email: 'ua.person@example.com' }, meta: { browser: SAFARI_IPHONE } });
      await s.services.botTurns.idle();
      expect(rowsMentioning(await scanAllTables(s), ['AppleWebKit', 'Mozilla/5.0', '537.36', '605.1.15'])).toEqual([]);
      const row = await s.services.database.db
        .selectFrom('conversations')
        .select('meta')
        .where('id', '=', session.conversationId)
        .executeTakeFirstOrThrow();
      expect(JSON.parse(row.meta)['browser']).toBe('Safari · iOS · mobile');
      const inbox = await s.request('GET', `/v1/inbox/${session.conversationId}`);
      expect(JSON.stringify(inbox.json)).toContain(' · iOS · mobile');
    });
  },
);
