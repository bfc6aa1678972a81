import * as v from 'valibot';

/** Longest a rebalance may take to shed a node's connections: an hour. */
export const REBALANCE_SPREAD_MAX_SECONDS = 3600;

/** The spread of a rebalance, in whole seconds; `POST /v1/admin/rebalance` falls back to PARLEY_REBALANCE_SPREAD_SECONDS. */
export const rebalanceSpreadSecondsSchema = v.pipe(
  v.number(),
  v.integer('must be a whole number of seconds'),
  v.minValue(0, 'must be at least 0'),
  v.maxValue(REBALANCE_SPREAD_MAX_SECONDS, `must be at most ${REBALANCE_SPREAD_MAX_SECONDS}`),
);

export const rebalanceRequestSchema = v.strictObject({ spreadSeconds: v.optional(rebalanceSpreadSecondsSchema) });

/** The answer to a rebalance request: how many connections this node will shed, over how long. */
export interface RebalanceStarted {
  readonly object: 'rebalance';
  /** Realtime connections open on this node when the request came: each gets `reconnect`, one after another. */
  readonly connections: number;
  readonly spreadSeconds: number;
}
