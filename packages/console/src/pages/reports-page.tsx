import { PageHeader } from '../ui/feedback.js';

/** Admins: how the chat went over a period (being built: charts and figures from /v1/reports). */
export function ReportsPage() {
  return (
    <div class="page">
      <PageHeader title="Reports" description="Conversations, response times, satisfaction and busiest hours." />
    </div>
  );
}
