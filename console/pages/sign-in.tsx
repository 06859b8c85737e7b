import { Layout } from '../components/layout';
import { Notice } from '../components/notice';
import { SIGN_IN } from '../paths';

/** The token is typed once and traded for a session cookie: it never appears in a URL or a page. */
export function SignInPage({ error, signedOut }: { error?: string; signedOut?: boolean }) {
  return (
    <Layout title="Sign in">
      <h1>Sign in</h1>
      {signedOut && <Notice kind="ok">You are signed out.</Notice>}
      <Notice kind="error">{error}</Notice>
      <form class="stack" method="post" action={SIGN_IN}>
        <div class="field">
          <label for="token">API token</label>
          <input id="token" name="token" type="password" autocomplete="off" required aria-describedby="token-hint" />
          <p class="hint" id="token-hint">
            An admin or contributor token (<code>ape_…</code>), as <code>npm start</code> printed or an admin issued. The console signs you in
            for {8} hours with it and keeps it sealed on the server.
          </p>
        </div>
        <div>
          <button type="submit">Sign in</button>
        </div>
      </form>
    </Layout>
  );
}
