import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';

describe('PARLEY_RETENTION_DAYS', () => {
  it('is unset by default: conversations are kept', () => {
    expect(loadConfig({}).retentionDays).toBeNull();
  });

  it('takes a whole number of days from 1 to 36500', () => {
    expect(loadConfig({ PARLEY_RETENTION_DAYS: '1' }).retentionDays).toBe(1);
    expect(loadConfig({ PARLEY_RETENTION_DAYS: ' 365 ' }).retentionDays).toBe(365);
    expect(loadConfig({ PARLEY_RETENTION_DAYS: '36500' }).retentionDays).toBe(36_500);
  });

  it.each(['0', '36501', '-5', '1.5', '30d', 'forever'])('refuses %s with a clear message', (value) => {
    expect(() => loadConfig({ PARLEY_RETENTION_DAYS: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PARLEY_RETENTION_DAYS: value })).toThrow(
      /PARLEY_RETENTION_DAYS=.*expected a whole number of days from 1 to 36500/,
    );
  });
});
