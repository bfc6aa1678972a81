export { ParleyApiError, RestClient, type RestClientOptions } from './rest-client.js';
