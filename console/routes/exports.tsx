import { Hono } from 'hono';
import type { SignedInEnv } from '../env';
import { Layout } from '../components/layout';
import { page, viewerOf } from '../render';

export function createExportRoutes() {
  return new Hono<SignedInEnv>().get('/', (c) =>
    page(
      c,
      <Layout title="Exports" viewer={viewerOf(c)} section="exports">
        <h1>Exports</h1>
      </Layout>,
    ),
  );
}
