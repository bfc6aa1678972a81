export { AltchaSigner } from './altcha.js';
export { challengeApi } from './challenge-api.js';
export { ChallengeGate } from './challenge-gate.js';
export { MemoryChallengeStore } from './memory-challenge-store.js';
export { RedisChallengeStore } from './redis-challenge-store.js';
