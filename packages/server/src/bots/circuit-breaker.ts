/**
 * One per bot. After `threshold` failed turns in a row the circuit opens: visitors get the apology at
 * once instead of waiting out a timeout against a dead upstream. After `cooldownMs` one trial turn is
 * let through (half open); its success closes the circuit, its failure opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openedAt: number | null = null;
  private trialRunning = false;

  constructor(
    private readonly threshold = 5,
    private readonly cooldownMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half_open' {
    if (this.openedAt === null) return 'closed';
    return this.now() - this.openedAt >= this.cooldownMs ? 'half_open' : 'open';
  }

  /** True when a call may go upstream now; in half-open state only one trial at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trialRunning) return false;
    this.trialRunning = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openedAt = null;
    this.trialRunning = false;
  }

  failure(): void {
    this.trialRunning = false;
    this.failures += 1;
    if (this.openedAt !== null || this.failures >= this.threshold) this.openedAt = this.now();
  }
}

export interface BreakerOptions {
  readonly threshold?: number;
  readonly cooldownMs?: number;
  readonly now?: () => number;
}

/** The breakers of every bot this node talks to, created on first use. */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly options: BreakerOptions = {}) {}

  for(botId: string): CircuitBreaker {
    let breaker = this.breakers.get(botId);
    if (breaker === undefined) {
      breaker = new CircuitBreaker(this.options.threshold, this.options.cooldownMs, this.options.now);
      this.breakers.set(botId, breaker);
    }
    return breaker;
  }
}
