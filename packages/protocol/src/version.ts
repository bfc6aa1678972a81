/** Bumped on any breaking change of a REST shape or realtime frame; additive changes keep it. */
export const PROTOCOL_VERSION = 1;
