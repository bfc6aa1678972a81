import { expect, it } from 'vitest';
import { builtinUiStrings, EN_UI_STRINGS, UI_STRING_KEYS } from '@parley/protocol';
import { describeEachStore, type TestServer } from '../testing/test-server.js';
import type { Translator } from '../widgets/translator.js';

const TEXTS = { title: 'Help', intro: 'Ask us', placeholder: 'Type here' };

async function createWidget(server: TestServer, body: Record<string, unknown>): Promise<string> {
  const response = await server.request('POST', '/v1/widgets', { body: { ...TEXTS, ...body } });
  if (response.status !== 201) throw new Error(`widget creation failed: ${response.body}`);
  return response.json.id;
}

/** Runs setup to completion and returns the widget's setup status. */
async function runSetup(
  server: TestServer,
  id: string,
): Promise<{ state: string; languages: string[]; failures: { language: string; key: string }[] }> {
  const started = await server.request('POST', `/v1/widgets/${id}/setup`);
  expect(started.status).toBe(202);
  expect(started.json).toEqual({ id });
  await server.services.setup.idle();
  return (await server.request('GET', `/v1/widgets/${id}`)).json.setup;
}

async function strings(server: TestServer, id: string, lang: string): Promise<Record<string, string>> {
  const response = await server.request('GET', `/v1/widgets/${id}/config?lang=${lang}`, { auth: 'none' });
  expect(response.status).toBe(200);
  expect(response.json.language).toBe(lang);
  return response.json.strings;
}

function storedMaps(server: TestServer, id: string): Promise<{ language: string; strings: string }[]> {
  return server.services.database.db
    .selectFrom('widget_language_maps')
    .select(['language', 'strings'])
    .where('widget_id', '=', id)
    .orderBy('language')
    .execute();
}

function failureKeys(failures: readonly { language: string; key: string }[]): string[] {
  return failures.map((f) => `${f.language}:${f.key}`).sort();
}

describeEachStore('widget setup without a translator', (server) => {
  it('answers 202 at once and ends with a built-in language map for every configured language', async () => {
    const id = await createWidget(server(), { languages: ['fr', 'de', 'ja', 'ar'] });
    const setup = await runSetup(server(), id);
    expect(setup).toMatchObject({ state: 'done', languages: ['en', 'fr', 'de', 'ja', 'ar'], failures: [] });
    for (const lang of ['en', 'fr', 'de', 'ja', 'ar']) {
      expect(await strings(server(), id, lang)).toEqual({ ...builtinUiStrings(lang), ...TEXTS });
    }
    expect((await strings(server(), id, 'fr')).dialogYes).toBe('Oui');
    expect((await storedMaps(server(), id)).map((m) => m.language)).toEqual(['ar', 'de', 'en', 'fr', 'ja']);
    const arabic = await server().request('GET', `/v1/widgets/${id}/config?lang=ar`, { auth: 'none' });
    expect(arabic.json.dir).toBe('rtl');
  });

  it('accepts concurrent setup requests for the same widgets and ends each with one complete map', async () => {
    const ids = [await createWidget(server(), { languages: ['fr', 'de'] }), await createWidget(server(), { languages: ['fr', 'de'] })];
    const responses = await Promise.all(ids.flatMap((id) => [1, 2, 3, 4].map(() => server().request('POST', `/v1/widgets/${id}/setup`))));
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 202));
    await server().services.setup.idle();
    for (const id of ids) {
      expect((await server().request('GET', `/v1/widgets/${id}`)).json.setup).toMatchObject({
        state: 'done',
        languages: ['en', 'fr', 'de'],
        failures: [],
      });
      expect((await storedMaps(server(), id)).map((m) => m.language)).toEqual(['de', 'en', 'fr']);
    }
  });

  it('is idempotent', async () => {
    const id = await createWidget(server(), { languages: ['fr', 'sv'] });
    const first = await runSetup(server(), id);
    const firstMaps = await storedMaps(server(), id);
    const second = await runSetup(server(), id);
    expect({ ...second, completedAt: null, startedAt: null }).toEqual({ ...first, completedAt: null, startedAt: null });
    expect(await storedMaps(server(), id)).toEqual(firstMaps);
  });

  it('falls back to English for a language without built-in texts and records the failure', async () => {
    const id = await createWidget(server(), { languages: ['sv'] });
    const setup = await runSetup(server(), id);
    expect(setup.state).toBe('done');
    expect(failureKeys(setup.failures)).toEqual(['sv:*']);
    expect(await strings(server(), id, 'sv')).toEqual({ ...EN_UI_STRINGS, ...TEXTS });
  });

  it('serves the built-in texts before any setup, and setup answers 404 for an unknown widget', async () => {
    const id = await createWidget(server(), { languages: ['fr'] });
    expect((await server().request('GET', `/v1/widgets/${id}`)).json.setup).toMatchObject({ state: 'never', languages: [] });
    expect(await strings(server(), id, 'fr')).toEqual({ ...builtinUiStrings('fr'), ...TEXTS });
    const unknown = await server().request('POST', '/v1/widgets/wgt_01J00000000000000000000000/setup');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('PARLEY_ERR_WIDGET_NOT_FOUND');
  });
});

/**
 * Marks what it translates and adds a key nobody asked for; fails for German, leaves the French
 * intro out and answers the Japanese placeholder with blank text.
 */
const markingTranslator: Translator = {
  translate(texts, _from, to) {
    if (to === 'de') return Promise.reject(new Error('translation service unavailable for de'));
    const out: Record<string, string> = {};
    for (const [key, text] of Object.entries(texts)) if (!(to === 'fr' && key === 'intro')) out[key] = `[${to}] ${text}`;
    if (to === 'ja') out['placeholder'] = '  ';
    return Promise.resolve({ ...out, unexpected: 'not a UI string' });
  },
};

describeEachStore(
  'widget setup with a translator',
  (server) => {
    it('translates custom texts, falls back per text and records every failure without failing the setup', async () => {
      const id = await createWidget(server(), { languages: ['fr', 'de', 'ja'] });
      const setup = await runSetup(server(), id);
      expect(setup.state).toBe('done');
      expect(failureKeys(setup.failures)).toEqual(['de:intro', 'de:placeholder', 'de:title', 'fr:intro', 'ja:placeholder']);
      expect(setup.failures).toContainEqual({ language: 'de', key: 'title', reason: 'translation service unavailable for de' });
      expect(await strings(server(), id, 'fr')).toEqual({
        ...builtinUiStrings('fr'),
        title: '[fr] Help',
        intro: 'Ask us',
        placeholder: '[fr] Type here',
      });
      expect(await strings(server(), id, 'de')).toEqual({ ...builtinUiStrings('de'), ...TEXTS });
      expect(await strings(server(), id, 'ja')).toEqual({
        ...builtinUiStrings('ja'),
        title: '[ja] Help',
        intro: '[ja] Ask us',
        placeholder: 'Type here',
      });
      expect(await strings(server(), id, 'en')).toEqual({ ...EN_UI_STRINGS, ...TEXTS });
    });

    it('translates the built-in texts for a language that has none', async () => {
      const id = await createWidget(server(), { languages: ['sv'] });
      const setup = await runSetup(server(), id);
      expect(setup.failures).toEqual([]);
      const swedish = await strings(server(), id, 'sv');
      expect(swedish).toMatchObject({ dialogYes: '[sv] Yes', send: '[sv] Send', title: '[sv] Help' });
      expect(Object.keys(swedish).sort()).toEqual([...UI_STRING_KEYS].sort());
    });

    it('clears the old map before a new run', async () => {
      const id = await createWidget(server(), { title: 'Old title', languages: ['fr', 'ja'] });
      await runSetup(server(), id);
      expect((await strings(server(), id, 'fr')).title).toBe('[fr] Old title');
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'New title', languages: ['fr'] } });
      const setup = await runSetup(server(), id);
      expect(setup.languages).toEqual(['en', 'fr']);
      expect((await strings(server(), id, 'fr')).title).toBe('[fr] New title');
      const maps = await storedMaps(server(), id);
      expect(maps.map((m) => m.language)).toEqual(['en', 'fr']);
      expect(maps.some((m) => m.strings.includes('Old title'))).toBe(false);
    });

    it('shows a text edited after setup at once, as written, and translates it on the next setup', async () => {
      const id = await createWidget(server(), { title: 'Old title', languages: ['fr'] });
      await runSetup(server(), id);
      expect((await strings(server(), id, 'fr')).title).toBe('[fr] Old title');
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'New title' } });
      expect((await strings(server(), id, 'fr')).title).toBe('New title');
      expect((await strings(server(), id, 'en')).title).toBe('New title');
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: null } });
      expect((await strings(server(), id, 'fr')).title).toBe('Discutez avec nous');
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Old title' } });
      expect((await strings(server(), id, 'fr')).title).toBe('[fr] Old title');
    });

    it('does not translate into the widget language or its regional variants', async () => {
      const id = await createWidget(server(), { language: 'fr', languages: ['fr-CA', 'en'] });
      const setup = await runSetup(server(), id);
      expect(setup.failures).toEqual([]);
      expect((await strings(server(), id, 'fr-CA')).title).toBe('Help');
      expect((await strings(server(), id, 'en')).title).toBe('[en] Help');
    });
  },
  { translator: markingTranslator },
);

let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
function closeGate(): void {
  gate = new Promise((resolve) => {
    release = resolve;
  });
}

/** Waits for the test to open the gate, so a run can be observed (and raced) while it is in progress. */
const gatedTranslator: Translator = {
  async translate(texts, _from, to) {
    await gate;
    return Object.fromEntries(Object.entries(texts).map(([key, text]) => [key, `[${to}] ${text}`]));
  },
};

describeEachStore(
  'widget setup runs in the background',
  (server) => {
    it('reports running until the run ends, and a newer run wins over an older one', async () => {
      closeGate();
      const id = await createWidget(server(), { title: 'First', languages: ['fr'] });
      expect((await server().request('POST', `/v1/widgets/${id}/setup`)).status).toBe(202);
      expect((await server().request('GET', `/v1/widgets/${id}`)).json.setup).toMatchObject({
        state: 'running',
        languages: ['en', 'fr'],
        completedAt: null,
      });
      await server().request('PATCH', `/v1/widgets/${id}`, { body: { title: 'Second' } });
      expect((await server().request('POST', `/v1/widgets/${id}/setup`)).status).toBe(202);
      release();
      await server().services.setup.idle();
      expect((await server().request('GET', `/v1/widgets/${id}`)).json.setup.state).toBe('done');
      expect((await strings(server(), id, 'fr')).title).toBe('[fr] Second');
    });

    it('starts a clone of a widget whose setup is still running as never set up, not stuck in running', async () => {
      closeGate();
      const id = await createWidget(server(), { languages: ['fr'] });
      await server().request('POST', `/v1/widgets/${id}/setup`);
      const clone = await server().request('POST', `/v1/widgets/${id}/clone`);
      expect(clone.status).toBe(201);
      release();
      await server().services.setup.idle();
      const cloneSetup = (await server().request('GET', `/v1/widgets/${clone.json.id}`)).json.setup;
      expect(cloneSetup).toMatchObject({ state: 'never', languages: [], failures: [] });
      expect((await strings(server(), clone.json.id, 'fr')).title).toMatch(/Help$/);
    });

    it('survives the widget being deleted during a run', async () => {
      closeGate();
      const id = await createWidget(server(), { languages: ['fr'] });
      await server().request('POST', `/v1/widgets/${id}/setup`);
      expect((await server().request('DELETE', `/v1/widgets/${id}`)).status).toBe(204);
      release();
      await server().services.setup.idle();
      expect(await storedMaps(server(), id)).toEqual([]);
    });
  },
  { translator: gatedTranslator },
);
