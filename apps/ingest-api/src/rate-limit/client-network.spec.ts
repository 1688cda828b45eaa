import type { IncomingMessage } from 'node:http';
import { ClientNetwork } from './client-network';

function request(peer: string, forwardedFor?: string): IncomingMessage {
  const headers = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('ClientNetwork', () => {
  it('keys by the socket peer and ignores X-Forwarded-For when no proxy is trusted', () => {
    const network = new ClientNetwork([]);
    expect(network.keyOf(request('203.0.113.7'))).toBe('ip:203.0.113.7');
    expect(network.keyOf(request('203.0.113.7', '198.51.100.1'))).toBe('ip:203.0.113.7');
  });

  it('with a hop count, takes that many entries from the right of X-Forwarded-For', () => {
    const network = new ClientNetwork(1);
    expect(network.keyOf(request('10.0.0.5', 'spoofed, 198.51.100.1'))).toBe('ip:198.51.100.1');
    expect(new ClientNetwork(2).keyOf(request('10.0.0.5', 'spoofed-away, 198.51.100.1, 10.0.0.9'))).toBe(
      'ip:198.51.100.1',
    );
  });

  it('with trusted CIDRs, takes the first entry from the right that is not a trusted proxy', () => {
    const network = new ClientNetwork(['10.0.0.0/8', 'loopback']);
    expect(network.keyOf(request('10.1.2.3', '1.2.3.4, 198.51.100.1, 10.0.0.9'))).toBe('ip:198.51.100.1');
    expect(network.keyOf(request('203.0.113.7', '198.51.100.1'))).toBe('ip:203.0.113.7');
    expect(network.keyOf(request('127.0.0.1'))).toBe('ip:127.0.0.1');
  });

  it('keys IPv6 clients by their /64 and IPv4-mapped addresses as IPv4', () => {
    const network = new ClientNetwork([]);
    expect(network.keyOf(request('2001:db8:1:2:aaaa::1'))).toBe('ip:2001:db8:1:2::/64');
    expect(network.keyOf(request('2001:db8:1:2:bbbb:cccc:dddd:eeee'))).toBe('ip:2001:db8:1:2::/64');
    expect(network.keyOf(request('2001:db8:1:3::1'))).toBe('ip:2001:db8:1:3::/64');
    expect(network.keyOf(request('::ffff:203.0.113.7'))).toBe('ip:203.0.113.7');
  });
});
