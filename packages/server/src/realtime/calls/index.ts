export { CallService, isCallFrame, type CallFrame, type CallServiceDeps } from './call-service.js';
export { iceServersFor, NO_ICE, parseIceServers, turnCredentials, type IceConfig } from './ice-servers.js';
