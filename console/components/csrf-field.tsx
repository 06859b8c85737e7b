/** The session's CSRF token, in every form that changes something (checked by requireCsrfToken). */
export const CSRF_FIELD = '_csrf';

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name={CSRF_FIELD} value={token} />;
}
