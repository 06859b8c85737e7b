/**
 * Microsoft Entra ID's token hosts, as MSAL trusts them (`AadAuthority`'s trusted host list in
 * microsoft-authentication-library-for-dotnet): worldwide, US Government (and its legacy host),
 * China (21Vianet) and the former German cloud. The client secret is sent to the authority, so a
 * host not on this list (a typo, a fake) must be allowed by name.
 */
export const MICROSOFT_AUTHORITY_HOSTS: readonly string[] = [
  'login.microsoftonline.com',
  'login.windows.net',
  'login.microsoftonline.us',
  'login-us.microsoftonline.com',
  'login.partner.microsoftonline.cn',
  'login.chinacloudapi.cn',
  'login.microsoftonline.de',
];

/** Whether `host` may receive the client secret: a Microsoft host, or one in `allowed` (`host` or `*.domain`). */
export function isAllowedAuthorityHost(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase();
  const listed = allowed.map((h) => h.trim().toLowerCase()).filter(Boolean);
  return MICROSOFT_AUTHORITY_HOSTS.includes(name) || listed.some((e) => e === name || (e.startsWith('*.') && name.endsWith(e.slice(1))));
}
