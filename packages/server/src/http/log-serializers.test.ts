import { describe, expect, it } from 'vitest';
import { requestSerializer } from './log-serializers.js';

describe('request log lines', () => {
  it('mask a token in the query wherever it stands and keep the rest of the URL', () => {
    const line = requestSerializer({ method: 'GET', url: '/v1/realtime/sse?inbox=1&token=pcs_secret&lastSeq=4', ip: '127.0.0.1' });
    expect(line).toEqual({ method: 'GET', url: '/v1/realtime/sse?inbox=1&token=<hidden>&lastSeq=4', remoteAddress: '127.0.0.0/24' });
    expect(requestSerializer({ method: 'GET', url: '/v1/realtime/ws?token=eyJ.a.b', ip: '::1' }).url).toBe(
      '/v1/realtime/ws?token=<hidden>',
    );
    expect(requestSerializer({ method: 'POST', url: '/v1/widgets', ip: '::1' }).url).toBe('/v1/widgets');
  });

  it('keep only the network of the client address: /24 for IPv4, /48 for IPv6', () => {
    expect(requestSerializer({ method: 'GET', url: '/', ip: '198.51.100.23' }).remoteAddress).toBe('198.51.100.0/24');
    expect(requestSerializer({ method: 'GET', url: '/', ip: '::ffff:198.51.100.23' }).remoteAddress).toBe('198.51.100.0/24');
    expect(requestSerializer({ method: 'GET', url: '/', ip: '2001:db8:aa:bb::1' }).remoteAddress).toBe('2001:db8:aa::/48');
  });
});
