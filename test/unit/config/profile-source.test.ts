import { ConfigError, loadConfig } from '../../../config/env';

const DATAVERSE = {
  PROFILE_SOURCE: 'dataverse',
  DATAVERSE_URL: 'https://contoso.crm.dynamics.com',
  DATAVERSE_TENANT_ID: '3f1c2b9a-0000-4000-8000-0000000000aa',
  DATAVERSE_CLIENT_ID: '6a2d9e1f-0000-4000-8000-0000000000bb',
  DATAVERSE_CLIENT_SECRET: 'Xq8~config-secret-that-must-never-leak',
};

describe('the profile source in the configuration', () => {
  it('is the built-in store unless PROFILE_SOURCE says otherwise', () => {
    expect(loadConfig({}).profileSource).toEqual({ kind: 'builtin' });
  });

  it('reads Dataverse settings, keeping the secret out of anything printed', () => {
    const { profileSource } = loadConfig(DATAVERSE);
    expect(profileSource).toMatchObject({ kind: 'dataverse', organizationUrl: 'https://contoso.crm.dynamics.com', authorityUrl: 'https://login.microsoftonline.com' });
    expect(JSON.stringify(profileSource)).not.toContain(DATAVERSE.DATAVERSE_CLIENT_SECRET);
    expect(profileSource.kind === 'dataverse' && profileSource.clientSecret.reveal()).toBe(DATAVERSE.DATAVERSE_CLIENT_SECRET);
  });

  it('refuses incomplete Dataverse settings as a configuration error naming the variables, not the values', () => {
    let error: unknown;
    try {
      loadConfig({ ...DATAVERSE, DATAVERSE_CLIENT_ID: 'not-a-guid', DATAVERSE_URL: '' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message } = error as Error;
    expect(message).toMatch(/DATAVERSE_URL/);
    expect(message).toMatch(/DATAVERSE_CLIENT_ID/);
    expect(message).not.toContain(DATAVERSE.DATAVERSE_CLIENT_SECRET);
    expect(message).not.toContain('not-a-guid');
  });
});
