export { CallButtons, CallPanel } from './call-panel.js';
export { useCall, type CallControls, type CallPhase } from './use-call.js';
