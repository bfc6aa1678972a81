export { Blocklist, BLOCKS_CHANNEL, visitorSubject, type BlockCheck, type BlockTarget } from './blocklist.js';
