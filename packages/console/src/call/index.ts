export { CallButtons, CallPanel } from './call-panel.js';
export { useCall, type CallControls, type CallPhase } from './use-call.js';
export { callLineInEnglish } from './call-line.js';
