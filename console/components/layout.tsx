import type { Child } from 'hono/jsx';
import { ASSETS, paths } from '../paths';
import type { Role } from '../../store/tokens';
import { CsrfField } from './csrf-field';

export interface Viewer {
  role: Role;
  csrfToken: string;
}

interface LayoutProps {
  title: string;
  /** Undefined on the sign-in page. */
  viewer?: Viewer;
  /** Which item of the navigation is this page's. */
  section?: 'exports' | 'connections';
  children: Child;
}

// htmx would add a <style> for its indicators (refused by the policy) and may evaluate code in
// some attributes; neither is used.
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false, allowScriptTags: false, historyCacheSize: 0 });

/** Every page: the same head (own assets only, no inline script or style), a skip link, the navigation. */
export function Layout({ title, viewer, section, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>{`${title} · Segment export`}</title>
        <link rel="icon" href={`${ASSETS}/favicon.svg`} type="image/svg+xml" />
        <link rel="stylesheet" href={`${ASSETS}/console.css`} />
        <script src={`${ASSETS}/htmx.min.js`} defer></script>
        <script src={`${ASSETS}/sse.min.js`} defer></script>
        <script src={`${ASSETS}/console.js`} defer></script>
      </head>
      <body>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <a class="brand" href={paths.exports}>
            Segment export
          </a>
          {viewer && <Navigation viewer={viewer} section={section} />}
        </header>
        <main id="main">{children}</main>
      </body>
    </html>
  );
}

function Navigation({ viewer, section }: { viewer: Viewer; section?: LayoutProps['section'] }) {
  const current = (s: LayoutProps['section']) => (s === section ? 'page' : undefined);
  return (
    <>
      <nav aria-label="Main">
        <ul>
          <li>
            <a href={paths.exports} aria-current={current('exports')}>
              Exports
            </a>
          </li>
          {viewer.role === 'admin' && (
            <li>
              <a href={paths.connections} aria-current={current('connections')}>
                Connections
              </a>
            </li>
          )}
        </ul>
      </nav>
      <div class="who">
        <span>{viewer.role === 'admin' ? 'Admin' : 'Contributor'}</span>
        <form method="post" action="/console/sign-out">
          <CsrfField token={viewer.csrfToken} />
          <button type="submit" class="secondary">
            Sign out
          </button>
        </form>
      </div>
    </>
  );
}
