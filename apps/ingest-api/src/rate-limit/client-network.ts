import type { IncomingMessage } from 'node:http';
import ipaddr from 'ipaddr.js';
import proxyAddr from 'proxy-addr';

/** Leading bytes of an IPv6 address that one subscriber holds: a client can pick any address in its /64. */
const IPV6_SUBSCRIBER_PREFIX_BYTES = 8;

/**
 * The network a request comes from, as a rate-limit key: the socket's peer, or with trusted proxies the first
 * `X-Forwarded-For` entry from the right that no trusted proxy added (`proxy-addr`, the rules of Express's
 * `trust proxy`). IPv4 addresses are keyed whole, IPv6 ones by their /64. Reads only the Node request, so it does
 * not depend on the HTTP framework.
 */
export class ClientNetwork {
  private readonly trust: (address: string, hop: number) => boolean;

  /** `trustProxy`: a number of proxy hops, or the proxies' addresses and CIDRs (TRUST_PROXY). */
  constructor(trustProxy: number | readonly string[]) {
    this.trust =
      typeof trustProxy === 'number' ? (_address, hop) => hop < trustProxy : proxyAddr.compile([...trustProxy]);
  }

  keyOf(request: IncomingMessage): string {
    const address = proxyAddr(request, this.trust);
    if (!ipaddr.isValid(address)) {
      return `ip:${address}`;
    }
    const parsed = ipaddr.process(address);
    if (parsed.kind() === 'ipv4') {
      return `ip:${parsed.toString()}`;
    }
    const bytes = parsed.toByteArray().map((byte, index) => (index < IPV6_SUBSCRIBER_PREFIX_BYTES ? byte : 0));
    return `ip:${ipaddr.fromByteArray(bytes).toString()}/${IPV6_SUBSCRIBER_PREFIX_BYTES * 8}`;
  }
}
