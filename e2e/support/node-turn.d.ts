// node-turn ships no types: the part of its API the call e2e uses (e2e/support/calls.ts).
declare module 'node-turn' {
  interface TurnOptions {
    readonly listeningPort: number;
    readonly listeningIps: readonly string[];
    readonly relayIps: readonly string[];
    readonly authMech: 'none' | 'short-term' | 'long-term';
    readonly realm: string;
    /** username → password; read per request, so a Proxy may compute it. */
    readonly credentials: Record<string, string>;
    readonly debugLevel: 'OFF' | 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE' | 'ALL';
    readonly log: (...args: unknown[]) => void;
  }
  export default class Turn {
    constructor(options: TurnOptions);
    start(): void;
    stop(): void;
  }
}
