// One rule for every per-address limit; it lives with the limits (see limits/address-key.ts).
export { addressKey, isLoopback } from '../limits/address-key.js';
