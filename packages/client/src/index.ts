export { ParleyApiError, RestClient, type RestClientOptions } from './rest-client.js';
export * from './realtime/index.js';
