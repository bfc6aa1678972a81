import { describe, expect, it } from 'vitest';
import { ApiError } from '../http/api-error.js';
import { refuseRemovedOptions } from './removed-options.js';
import { readSettings } from './widget-service.js';

describe('removed widget options', () => {
  it('refuses a body that still sends plugins, naming it and what replaces it', () => {
    const refused = (() => {
      try {
        refuseRemovedOptions({ title: 'A', plugins: ['does-not-exist'] });
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'PARLEY_ERR_WIDGET_OPTION_REMOVED', field: 'plugins' });
    expect(refuseRemovedOptions({ title: 'A' })).toEqual({ title: 'A' });
  });

  it('reads settings stored before the removal without the removed option', () => {
    expect(readSettings('{"title":"A","plugins":["emoji"],"theme":{"radius":3}}')).toEqual({ title: 'A', theme: { radius: 3 } });
  });
});
