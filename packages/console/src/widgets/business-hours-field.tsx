import { settingsEntries, WEEKDAYS, type BusinessHours, type Weekday } from '@parley/protocol';
import { useMemo } from 'preact/hooks';
import { FieldError, JsonFold, RowList } from './row-list.js';
import { browserTimeZone, replaceRow, rowErrors, schemaErrors, timeZones, toggleDay } from './structured-values.js';

type Hours = BusinessHours['hours'][number];

const DAY_NAMES: Readonly<Record<Weekday, string>> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};
const NEW_HOURS: Hours = { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' };

/**
 * When humans answer: off (null, any time) or a time zone and opening ranges, each for some days. Two
 * ranges on one day (09:00–12:00 and 13:00–17:00) are two rows. Outside them a handoff puts the widget
 * in offline mode. Checked by the protocol's own schema as it is typed.
 */
export function BusinessHoursField(props: { id: string; value: unknown; onChange: (value: unknown) => void }) {
  const hours = typeof props.value === 'object' && props.value !== null ? (props.value as BusinessHours) : null;
  const errors = useMemo(() => schemaErrors(settingsEntries.businessHours, props.value ?? null), [props.value]);
  const zones = useMemo(() => timeZones(hours?.timezone ?? ''), [hours?.timezone]);
  const rows: readonly Hours[] = Array.isArray(hours?.hours) ? hours.hours : [];
  const set = (next: Partial<BusinessHours>) => hours !== null && props.onChange({ ...hours, ...next });
  return (
    <fieldset class="group structured full-row">
      <legend>Business hours</legend>
      <div class="field check">
        <input
          id={`${props.id}-on`}
          type="checkbox"
          checked={hours !== null}
          onChange={(e) => props.onChange(e.currentTarget.checked ? { timezone: browserTimeZone(), hours: [{ ...NEW_HOURS }] } : null)}
        />
        <label for={`${props.id}-on`}>Humans answer only at these hours (off: at any time an agent is online)</label>
      </div>
      {hours === null ? null : (
        <>
          <div class="field">
            <label class="label" for={`${props.id}-timezone`}>
              Time zone
            </label>
            <select
              id={`${props.id}-timezone`}
              value={hours.timezone}
              aria-describedby={errors['timezone'] === undefined ? undefined : `${props.id}-timezone-error`}
              onChange={(e) => set({ timezone: e.currentTarget.value })}
            >
              {zones.map((zone) => (
                <option value={zone}>{zone.replaceAll('_', ' ')}</option>
              ))}
            </select>
            <FieldError id={`${props.id}-timezone-error`} message={errors['timezone']} />
          </div>
          <RowList noun="opening range" rows={rows} onChange={(next) => set({ hours: next })} make={() => ({ ...NEW_HOURS })}>
            {(range, index) => {
              const own = rowErrors(scoped(errors), index);
              const id = `${props.id}-${index}`;
              const update = (patch: Partial<Hours>) => set({ hours: replaceRow(rows, index, { ...range, ...patch }) });
              const days: readonly Weekday[] = Array.isArray(range.days) ? range.days : [];
              return (
                <div class="hours-row">
                  <fieldset class="days" aria-describedby={own['days'] === undefined ? undefined : `${id}-days-error`}>
                    <legend class="label">Days</legend>
                    {WEEKDAYS.map((day) => (
                      <label class="day">
                        <input
                          type="checkbox"
                          checked={days.includes(day)}
                          onChange={(e) => update({ days: toggleDay(days, day, e.currentTarget.checked) })}
                        />
                        {DAY_NAMES[day]}
                      </label>
                    ))}
                    <FieldError id={`${id}-days-error`} message={own['days']} />
                  </fieldset>
                  <div class="field">
                    <label class="label" for={`${id}-from`}>
                      Opens
                    </label>
                    <input
                      id={`${id}-from`}
                      type="time"
                      value={range.from}
                      aria-describedby={own['from'] === undefined ? undefined : `${id}-from-error`}
                      onInput={(e) => update({ from: e.currentTarget.value })}
                    />
                    <FieldError id={`${id}-from-error`} message={own['from']} />
                  </div>
                  <div class="field">
                    <label class="label" for={`${id}-to`}>
                      Closes
                    </label>
                    <input
                      id={`${id}-to`}
                      type="time"
                      value={range.to}
                      aria-describedby={own['to'] === undefined ? undefined : `${id}-to-error`}
                      onInput={(e) => update({ to: e.currentTarget.value })}
                    />
                    <FieldError id={`${id}-to-error`} message={own['to']} />
                  </div>
                </div>
              );
            }}
          </RowList>
          <FieldError id={`${props.id}-hours-error`} message={errors['hours'] ?? errors['']} />
        </>
      )}
      <JsonFold id={`${props.id}-json`} value={props.value ?? null} onChange={(value) => props.onChange(value ?? null)} />
    </fieldset>
  );
}

/** The messages under `hours.` (`hours.1.from` → `1.from`). */
function scoped(errors: Readonly<Record<string, string>>): Record<string, string> {
  const inner: Record<string, string> = {};
  for (const [path, message] of Object.entries(errors)) if (path.startsWith('hours.')) inner[path.slice('hours.'.length)] = message;
  return inner;
}
