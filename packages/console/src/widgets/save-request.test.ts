import { describe, expect, it } from 'vitest';
import { draftWithChanges, saveRequest } from './save-request.js';

const draft = {
  name: 'Support',
  description: 'Draft description',
  meta: { env: 'prod' },
  blueprintId: 'bp_01J00000000000000000000000',
  title: 'Draft title',
  intro: 'Only in the draft',
  theme: { primaryColor: '#123456', radius: 6 },
};

describe('the widget editor’s Save', () => {
  it('PATCHes only the changes when the widget has no draft, and always for a blueprint', () => {
    expect(saveRequest('widgets', 'wgt_1', null, { title: 'New' }, { name: 'Renamed' })).toEqual({
      method: 'PATCH',
      path: '/v1/widgets/wgt_1',
      body: { title: 'New', name: 'Renamed' },
    });
    expect(saveRequest('blueprints', 'bp_1', draft, { title: 'New' }, {})).toMatchObject({ method: 'PATCH', path: '/v1/blueprints/bp_1' });
  });

  it('writes the whole draft with the changes on it when the widget has a draft, so none of the draft is lost', () => {
    const request = saveRequest('widgets', 'wgt_1', draft, { title: 'Edited' }, {});
    expect(request.method).toBe('PUT');
    expect(request.path).toBe('/v1/widgets/wgt_1/draft');
    expect(request.body).toEqual({ ...draft, title: 'Edited' });
  });

  it('applies the changes as a PATCH would: null removes an option or a theme key, theme merges key by key', () => {
    expect(draftWithChanges(draft, { intro: null, theme: { radius: null, launcherIcon: 'chat' }, placeholder: 'Ask' }, {})).toEqual({
      name: 'Support',
      description: 'Draft description',
      meta: { env: 'prod' },
      blueprintId: 'bp_01J00000000000000000000000',
      title: 'Draft title',
      placeholder: 'Ask',
      theme: { primaryColor: '#123456', launcherIcon: 'chat' },
    });
  });

  it('takes a changed name, description or blueprint, and a detach (blueprintId null)', () => {
    expect(draftWithChanges(draft, {}, { name: 'Help', description: '', blueprintId: null })).toMatchObject({
      name: 'Help',
      description: '',
      blueprintId: null,
      meta: { env: 'prod' },
      title: 'Draft title',
    });
  });
});
