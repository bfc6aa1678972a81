import { expect, it } from 'vitest';
import { describeEachStore } from '../testing/test-server.js';

/** Which language `GET /v1/widgets/{id}/config` answers in: the page's or visitor's choice, the widget's own, the browser's. */
describeEachStore('widget language precedence', (server) => {
  const configLanguage = async (widgetId: string, query: string): Promise<string> => {
    const response = await server().request('GET', `/v1/widgets/${widgetId}/config${query}`, { auth: 'none' });
    expect(response.status).toBe(200);
    return String(response.json.language);
  };

  it("answers in the widget's own language to an English browser, and in the language the visitor chose", async () => {
    const { json: widget } = await server().request('POST', '/v1/widgets', {
      body: { name: 'Boutique', language: 'fr', languages: ['en'] },
    });
    expect(await configLanguage(widget.id, '?browser=en-US')).toBe('fr');
    expect(await configLanguage(widget.id, '?lang=en')).toBe('en');
    expect(await configLanguage(widget.id, '')).toBe('fr');
  });

  it("counts a blueprint's language as the widget's own", async () => {
    const { json: blueprint } = await server().request('POST', '/v1/blueprints', {
      body: { name: 'French', language: 'fr', languages: ['en'] },
    });
    const { json: widget } = await server().request('POST', '/v1/widgets', { body: { blueprintId: blueprint.id } });
    expect(await configLanguage(widget.id, '?browser=en-GB')).toBe('fr');
  });

  it('follows the browser when no language is set, among the languages the widget offers', async () => {
    const { json: widget } = await server().request('POST', '/v1/widgets', { body: { name: 'Shop', languages: ['fr', 'de'] } });
    expect(await configLanguage(widget.id, '?browser=de-AT')).toBe('de');
    expect(await configLanguage(widget.id, '?browser=ja')).toBe('en');
    // Twice: the second answer comes from memory for the same query, and must be the same.
    expect(await configLanguage(widget.id, '?browser=de-AT')).toBe('de');
  });
});
