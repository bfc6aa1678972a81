import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import type { ReportScope } from './report-query.js';

interface Named {
  readonly id: string;
  readonly name: string;
}

export interface ScopeNames {
  readonly widgets: readonly Named[];
  readonly teams: readonly Named[];
  readonly agents: readonly Named[];
}

/** The widgets, teams and agents to filter by, loaded once (a list that fails to load offers "All" only). */
export function useScopeNames(): ScopeNames {
  const [names, setNames] = useState<ScopeNames>({ widgets: [], teams: [], agents: [] });
  useEffect(() => {
    const load = (path: string) => api.all<Named>(path).catch(() => [] as Named[]);
    void Promise.all([load('/v1/widgets'), load('/v1/teams'), load('/v1/agents')]).then(([widgets, teams, agents]) =>
      setNames({ widgets, teams, agents }),
    );
  }, []);
  return names;
}

const FILTERS = [
  { key: 'widgetId', list: 'widgets', label: 'Widget', all: 'All widgets' },
  { key: 'teamId', list: 'teams', label: 'Team', all: 'All teams' },
  { key: 'agentId', list: 'agents', label: 'Agent', all: 'All agents' },
] as const;

/** Widget, team and agent: each "All" or one of them; together they narrow (one widget AND one team). */
export function ScopeFilter(props: { scope: ReportScope; names: ScopeNames; onChange: (scope: ReportScope) => void }) {
  return (
    <>
      {FILTERS.map((filter) => (
        <div class="field" key={filter.key}>
          <label class="label" for={`report-${filter.key}`}>
            {filter.label}
          </label>
          <select
            id={`report-${filter.key}`}
            value={props.scope[filter.key]}
            onChange={(event) => props.onChange({ ...props.scope, [filter.key]: event.currentTarget.value })}
          >
            <option value="">{filter.all}</option>
            {props.names[filter.list].map((item) => (
              <option key={item.id} value={item.id}>
                {item.name}
              </option>
            ))}
          </select>
        </div>
      ))}
    </>
  );
}
