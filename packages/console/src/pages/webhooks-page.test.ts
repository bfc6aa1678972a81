import { describe, expect, it } from 'vitest';
import { formatDate } from '../ui/feedback.js';
import { deliveryStatusText } from './webhooks-page.js';

describe("a webhook delivery's status as the console says it", () => {
  const next = '2026-12-07T13:58:00.000Z';

  it('says a pending delivery that already failed is retrying, with when and what the endpoint answered', () => {
    expect(deliveryStatusText({ status: 'pending', attempts: 4, nextAttemptAt: next, lastStatus: 503 })).toBe(
      `retrying at ${formatDate(next)} (HTTP 503)`,
    );
    expect(deliveryStatusText({ status: 'pending', attempts: 1, nextAttemptAt: next, lastStatus: null })).toBe(
      `retrying at ${formatDate(next)} (no answer)`,
    );
  });

  it('keeps the plain status for a delivery not tried yet, delivered or given up', () => {
    expect(deliveryStatusText({ status: 'pending', attempts: 0, nextAttemptAt: next, lastStatus: null })).toBe('pending');
    expect(deliveryStatusText({ status: 'delivered', attempts: 2, nextAttemptAt: null, lastStatus: 200 })).toBe('delivered (HTTP 200)');
    expect(deliveryStatusText({ status: 'failed', attempts: 9, nextAttemptAt: null, lastStatus: null })).toBe('failed (no answer)');
  });
});
