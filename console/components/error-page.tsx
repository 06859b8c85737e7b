import { Layout, type Viewer } from './layout';
import { paths } from '../paths';

/** When the API refuses or cannot find what a page is about: its message, and a way back. */
export function ErrorPage({ viewer, title, message }: { viewer: Viewer; title: string; message: string }) {
  return (
    <Layout title={title} viewer={viewer}>
      <h1>{title}</h1>
      <p role="alert">{message}</p>
      <p>
        <a href={paths.exports}>Back to exports</a>
      </p>
    </Layout>
  );
}
