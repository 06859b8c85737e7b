import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../config/env';
import { temporalConnectionOptions } from '../../../config/temporal';

describe("Temporal's connection settings, by its environment conventions", () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'segment-export-envconfig-'));
    file = path.join(dir, 'temporal.toml');
    writeFileSync(file, ['[profile.cloud]', 'address = "acme.a1b2c.tmprl.cloud:7233"', 'namespace = "acme.a1b2c"', 'api_key = "profile-key"', ''].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE working, without TLS', () => {
    const { temporal } = loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'exports' });
    expect(temporalConnectionOptions(temporal)).toEqual({ address: 'temporal:7233', tls: undefined, apiKey: undefined, metadata: undefined });
    expect(temporal.namespace).toBe('exports');
  });

  it('defaults to localhost:7233 and the default namespace when nothing is set', () => {
    const { temporal } = loadConfig({});
    expect(temporal.address).toBeUndefined();
    expect(temporalConnectionOptions(temporal).address).toBe('localhost:7233');
    expect(temporal.namespace).toBe('default');
  });

  it('turns TLS on with an API key (Temporal Cloud)', () => {
    const { temporal } = loadConfig({ TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233', TEMPORAL_API_KEY: 'secret-key' });
    expect(temporalConnectionOptions(temporal)).toMatchObject({ apiKey: 'secret-key', tls: true });
  });

  it('reads a profile of the config file, the environment overriding it', () => {
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' };
    expect(loadConfig(env).temporal).toMatchObject({ address: 'acme.a1b2c.tmprl.cloud:7233', namespace: 'acme.a1b2c' });
    expect(loadConfig({ ...env, TEMPORAL_NAMESPACE: 'other' }).temporal.namespace).toBe('other');
  });

  it('lets an address given in code (an embedded dev server) go alone, without the configured key', () => {
    const { temporal } = loadConfig({ TEMPORAL_API_KEY: 'secret-key' });
    expect(temporalConnectionOptions(temporal, '127.0.0.1:7233')).toEqual({ address: '127.0.0.1:7233' });
  });

  it('says which profile is missing, and never quotes a config file that does not parse', () => {
    expect(() => loadConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nope' })).toThrow(/Profile 'nope' not found/);
    const broken = path.join(dir, 'broken.toml');
    writeFileSync(broken, '[profile.default]\napi_key = "leaked-key\n');
    const attempt = () => loadConfig({ TEMPORAL_CONFIG_FILE: broken });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).not.toThrow(/leaked-key/);
  });
});
