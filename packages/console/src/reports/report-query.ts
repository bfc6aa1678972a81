import type { ReportName } from '@parley/protocol';
import type { Period } from './period.js';

/** Which figures: one widget, team and/or agent ('' = all of them). The API combines them (AND). */
export interface ReportScope {
  readonly widgetId: string;
  readonly teamId: string;
  readonly agentId: string;
}

export const ALL: ReportScope = { widgetId: '', teamId: '', agentId: '' };

/** `/v1/reports/<name>?from&to&timeZone[&widgetId&teamId&agentId][&extra]` — what every report takes. */
export function reportPath(name: ReportName, period: Period, scope: ReportScope, extra: Readonly<Record<string, string>> = {}): string {
  const query = new URLSearchParams({ from: period.from, to: period.to, timeZone: period.timeZone });
  if (scope.widgetId !== '') query.set('widgetId', scope.widgetId);
  if (scope.teamId !== '') query.set('teamId', scope.teamId);
  if (scope.agentId !== '') query.set('agentId', scope.agentId);
  for (const [key, value] of Object.entries(extra)) query.set(key, value);
  return `/v1/reports/${name}?${query.toString()}`;
}

/** The same report as the server's CSV file. */
export function csvDownload(name: ReportName, period: Period, scope: ReportScope): { href: string } {
  return { href: reportPath(name, period, scope, { format: 'csv' }) };
}
