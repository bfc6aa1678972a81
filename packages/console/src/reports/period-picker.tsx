import { useMemo, useState } from 'preact/hooks';
import { PRESETS, rangeProblem, timeZones, type Period, type PeriodPreset } from './period.js';

export interface PeriodChoice {
  readonly preset: PeriodPreset;
  readonly custom: { readonly from: string; readonly to: string };
  readonly timeZone: string;
}

/**
 * Period (a preset or a custom range of days) and the time zone its days and hours are read in. A
 * custom range is applied once both days are there and in order; until then it says what is wrong.
 */
export function PeriodPicker(props: { choice: PeriodChoice; period: Period; onChange: (choice: PeriodChoice) => void }) {
  const { choice } = props;
  const zones = useMemo(() => timeZones(choice.timeZone), [choice.timeZone]);
  const [draft, setDraft] = useState(choice.custom);
  const problem = choice.preset === 'custom' ? rangeProblem(draft.from, draft.to) : null;
  const editDay = (which: 'from' | 'to', value: string) => {
    const next = { ...draft, [which]: value };
    setDraft(next);
    if (rangeProblem(next.from, next.to) === null) props.onChange({ ...choice, custom: next });
  };
  const pickPreset = (preset: PeriodPreset) => {
    // A custom range starts from the period on screen, which is what people then adjust.
    const custom = preset === 'custom' && choice.preset !== 'custom' ? { from: props.period.from, to: props.period.to } : choice.custom;
    setDraft(custom);
    props.onChange({ ...choice, preset, custom });
  };
  return (
    <>
      <div class="field">
        <label class="label" for="report-period">
          Period
        </label>
        <select id="report-period" value={choice.preset} onChange={(event) => pickPreset(event.currentTarget.value as PeriodPreset)}>
          {PRESETS.map((preset) => (
            <option key={preset.value} value={preset.value}>
              {preset.label}
            </option>
          ))}
        </select>
      </div>
      {choice.preset === 'custom' ? (
        <div class="field custom-range" role="group" aria-label="Custom range">
          <label class="field">
            <span class="label">First day</span>
            <input
              type="date"
              value={draft.from}
              aria-invalid={problem !== null}
              aria-describedby={problem === null ? undefined : 'range-problem'}
              onInput={(event) => editDay('from', event.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span class="label">Last day</span>
            <input
              type="date"
              value={draft.to}
              aria-invalid={problem !== null}
              aria-describedby={problem === null ? undefined : 'range-problem'}
              onInput={(event) => editDay('to', event.currentTarget.value)}
            />
          </label>
          {problem === null ? null : (
            <p id="range-problem" class="field-error" role="alert">
              {problem}
            </p>
          )}
        </div>
      ) : null}
      <div class="field">
        <label class="label" for="report-zone">
          Time zone
        </label>
        <select
          id="report-zone"
          value={choice.timeZone}
          onChange={(event) => props.onChange({ ...choice, timeZone: event.currentTarget.value })}
        >
          {zones.map((zone) => (
            <option key={zone} value={zone}>
              {zone.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </div>
    </>
  );
}
