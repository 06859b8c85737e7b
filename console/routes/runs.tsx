import { Hono } from 'hono';
import type { SignedInEnv } from '../env';

export function createRunRoutes(_deps: { temporalUi: { url: string; namespace: string } }) {
  return new Hono<SignedInEnv>();
}
