import { inspect } from 'node:util';
import { createOutboundPolicy } from '../../../outbound/policy';
import {
  BuiltinProfileSource,
  createProfileSource,
  DataverseError,
  DataverseProfileSource,
  loadProfileSourceConfig,
  profileSourceHosts,
  ProfileSourceConfigError,
} from '../../../profiles-source';
import type { Db } from '../../../store/db';
import { DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_TENANT_ID, startDataverseSim } from '../../../dataverse-sim';

const SECRET = 'Zz9~client-secret-never-printed';
const dataverseEnv = {
  PROFILE_SOURCE: 'dataverse',
  DATAVERSE_URL: 'https://contoso.crm.dynamics.com/',
  DATAVERSE_TENANT_ID: '3f1c2b9a-0000-4000-8000-0000000000aa',
  DATAVERSE_CLIENT_ID: '6a2d9e1f-0000-4000-8000-0000000000bb',
  DATAVERSE_CLIENT_SECRET: SECRET,
};

describe('profile source configuration', () => {
  it('is the built-in store by default', () => {
    expect(loadProfileSourceConfig({})).toEqual({ kind: 'builtin' });
    expect(loadProfileSourceConfig({ PROFILE_SOURCE: '' })).toEqual({ kind: 'builtin' });
  });

  it('reads Dataverse settings, with the default authority', () => {
    const config = loadProfileSourceConfig(dataverseEnv);
    expect(config).toMatchObject({
      kind: 'dataverse',
      organizationUrl: 'https://contoso.crm.dynamics.com',
      authorityUrl: 'https://login.microsoftonline.com',
      tenantId: dataverseEnv.DATAVERSE_TENANT_ID,
    });
    expect(profileSourceHosts(config)).toEqual(['contoso.crm.dynamics.com', 'login.microsoftonline.com']);
    expect(loadProfileSourceConfig({ ...dataverseEnv, DATAVERSE_TENANT_ID: 'contoso.onmicrosoft.com' })).toMatchObject({ tenantId: 'contoso.onmicrosoft.com' });
  });

  it('keeps the secret out of JSON, inspection and string conversion', () => {
    const config = loadProfileSourceConfig(dataverseEnv);
    for (const text of [JSON.stringify(config), inspect(config, { depth: 5 }), String(config.kind === 'dataverse' && config.clientSecret)]) {
      expect(text).not.toContain(SECRET);
    }
    expect(config.kind === 'dataverse' && config.clientSecret.reveal()).toBe(SECRET);
  });

  it('names the variables that are wrong, never their values', () => {
    const bad = { ...dataverseEnv, DATAVERSE_URL: 'https://contoso.crm.dynamics.com/api/data/v9.2', DATAVERSE_CLIENT_ID: SECRET };
    const err = (() => {
      try {
        loadProfileSourceConfig(bad);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a configuration error');
    })();
    expect(err).toBeInstanceOf(ProfileSourceConfigError);
    expect(err.message).toMatch(/without a path\s+→ at DATAVERSE_URL/);
    expect(err.message).toMatch(/DATAVERSE_CLIENT_ID/);
    expect(err.message).not.toContain(SECRET);
    expect(() => loadProfileSourceConfig({ PROFILE_SOURCE: 'dataverse' })).toThrow(/DATAVERSE_CLIENT_SECRET/);
    expect(() => loadProfileSourceConfig({ PROFILE_SOURCE: 'csv' })).toThrow(/PROFILE_SOURCE/);
  });

  it('sends the secret only to a Microsoft identity host, or to a host allowed by name', () => {
    const withAuthority = (url: string, allowed?: string) => ({ ...dataverseEnv, DATAVERSE_AUTHORITY_URL: url, ...(allowed && { DATAVERSE_ALLOWED_AUTHORITY_HOSTS: allowed }) });
    const refusal = (env: Record<string, string>) => {
      try {
        loadProfileSourceConfig(env);
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a configuration error');
    };
    const typo = refusal(withAuthority('https://login.microsoftonline.co'));
    expect(typo).toBeInstanceOf(ProfileSourceConfigError);
    expect(typo.message).toMatch(/DATAVERSE_AUTHORITY_URL: login\.microsoftonline\.co is not a Microsoft identity host.*DATAVERSE_ALLOWED_AUTHORITY_HOSTS/s);
    expect(typo.message).not.toContain(SECRET);
    expect(refusal(withAuthority('http://127.0.0.1:8790')).message).toMatch(/127\.0\.0\.1 is not a Microsoft identity host/);
    expect(refusal(withAuthority('https://tenant.ciamlogin.com', 'login.example.com')).message).toMatch(/tenant\.ciamlogin\.com/);

    expect(loadProfileSourceConfig(withAuthority('https://login.microsoftonline.us/'))).toMatchObject({ authorityUrl: 'https://login.microsoftonline.us' });
    expect(loadProfileSourceConfig(withAuthority('https://login.partner.microsoftonline.cn'))).toMatchObject({ kind: 'dataverse' });
    expect(loadProfileSourceConfig(withAuthority('http://127.0.0.1:8790', ' 127.0.0.1 '))).toMatchObject({ authorityUrl: 'http://127.0.0.1:8790' });
    expect(loadProfileSourceConfig(withAuthority('https://tenant.ciamlogin.com', '*.ciamlogin.com'))).toMatchObject({ kind: 'dataverse' });
  });

  it('chooses the source, applying the outbound rules to Dataverse', () => {
    const db = {} as Db;
    expect(createProfileSource({ kind: 'builtin' }, { db, outbound: createOutboundPolicy([]) })).toBeInstanceOf(BuiltinProfileSource);
    const config = loadProfileSourceConfig(dataverseEnv);
    const allowed = createProfileSource(config, { db, outbound: createOutboundPolicy(profileSourceHosts(config)) });
    expect(allowed).toBeInstanceOf(DataverseProfileSource);
    void allowed.close();
    expect(() => createProfileSource(config, { db, outbound: createOutboundPolicy(['api2.autopilothq.com']) })).toThrow(DataverseError);
  });

  it('works end to end with the settings the local fake prints for a demo', async () => {
    const running = await startDataverseSim({ demoCustomers: 200 });
    try {
      const config = loadProfileSourceConfig({
        PROFILE_SOURCE: 'dataverse',
        DATAVERSE_URL: running.url,
        DATAVERSE_AUTHORITY_URL: running.url,
        DATAVERSE_ALLOWED_AUTHORITY_HOSTS: '127.0.0.1',
        DATAVERSE_TENANT_ID: DEMO_TENANT_ID,
        DATAVERSE_CLIENT_ID: DEMO_CLIENT_ID,
        DATAVERSE_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      });
      const source = createProfileSource(config, { db: {} as Db, outbound: createOutboundPolicy(profileSourceHosts(config)) });
      const { segments } = await source.listSegments();
      expect(segments.map((s) => s.id)).toEqual(['Churn_Risk', 'High_Value_Customers', 'New_Customers', 'Newsletter_Subscribers']);
      expect(segments.find((s) => s.id === 'Newsletter_Subscribers')?.profileCount).toBe(80);
      await source.close();
    } finally {
      await running.close();
    }
  });
});
