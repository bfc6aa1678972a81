import * as v from 'valibot';

/**
 * Time zone and locale names as Intl knows them, checked the one way every part checks them: by
 * asking Intl, which throws a RangeError for a name it does not know (that is the answer, not a fault).
 */

/** Whether `zone` is an IANA time zone this runtime knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** Whether `tag` is one well-formed BCP 47 locale (`en`, `pt-BR`; Intl would canonicalize `en-us`). */
export function isLocale(tag: string): boolean {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
}

/** The longest IANA name is about 30 characters; the bound keeps Intl from ever parsing a long string. */
export const timeZoneSchema = v.pipe(
  v.string('must be a string'),
  v.maxLength(64, 'must be at most 64 characters'),
  v.check(isTimeZone, 'must be an IANA time zone such as Europe/Paris or UTC'),
);

/** 35 characters: the length BCP 47 asks every implementation to accept. */
export const localeSchema = v.pipe(
  v.string('must be a string'),
  v.maxLength(35, 'must be at most 35 characters'),
  v.check(isLocale, 'must be a language tag such as en, fr or pt-BR'),
);
