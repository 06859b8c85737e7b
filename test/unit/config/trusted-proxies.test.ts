import { ConfigError, loadConfig } from '../../../config/env';
import { parseProxyRange } from '../../../config/trusted-proxies';

describe('TRUSTED_PROXIES', () => {
  it('trusts no one by default', () => {
    expect(loadConfig({}).api.trustedProxies).toEqual([]);
  });

  it('reads addresses and CIDR ranges, IPv4 and IPv6, comma-separated', () => {
    expect(loadConfig({ TRUSTED_PROXIES: '10.0.0.5, 172.16.0.0/12,::1,fd00::/8' }).api.trustedProxies).toEqual([
      { address: '10.0.0.5', prefix: 32, family: 'ipv4' },
      { address: '172.16.0.0', prefix: 12, family: 'ipv4' },
      { address: '::1', prefix: 128, family: 'ipv6' },
      { address: 'fd00::', prefix: 8, family: 'ipv6' },
    ]);
  });

  it.each(['proxy.local', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/8/1', '::/129', '10.0.0.0/-1', '10.0.0.1:80'])('refuses %s', (entry) => {
    expect(parseProxyRange(entry)).toBeUndefined();
  });

  it('says which entry is wrong', () => {
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.1,nginx' })).toThrow(ConfigError);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.1,nginx' })).toThrow(/entry 2 is not an IP address or CIDR range[\s\S]*at TRUSTED_PROXIES/);
  });
});
