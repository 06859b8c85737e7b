import { ConfigError, loadConfig } from '../../../config/env';

describe('OUTBOUND_ALLOWED_HOSTS', () => {
  it("allows Autopilot's host, Ortto's and AUTOPILOT_BASE_URL's by default", () => {
    expect(loadConfig({ AUTOPILOT_BASE_URL: 'http://127.0.0.1:8787/v1' }).outbound.allowedHosts).toEqual([
      'api2.autopilothq.com', 'api.ap3api.com', 'api.eu.ap3api.com', 'api.au.ap3api.com', '127.0.0.1',
    ]);
  });

  it('reads host names, *.domain, addresses and http://host entries, comma-separated', () => {
    const hosts = 'http://autopilot-sim,api2.autopilothq.com,*.hooks.example.com,http://10.0.0.5,http://[fd00::1],::1';
    expect(loadConfig({ OUTBOUND_ALLOWED_HOSTS: hosts }).outbound.allowedHosts).toEqual(hosts.split(','));
  });

  it.each(['http://*.internal', 'http://autopilot-sim:8787', 'https://api2.autopilothq.com', 'http://', 'a b', 'a,,b'])('refuses %s', (hosts) => {
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: hosts })).toThrow(ConfigError);
    expect(() => loadConfig({ OUTBOUND_ALLOWED_HOSTS: hosts })).toThrow(/OUTBOUND_ALLOWED_HOSTS/);
  });
});
