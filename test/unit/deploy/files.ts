import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The deployment's files as the tests read them: docker-compose.yml parsed, the Dockerfile by stage. */
export const root = path.resolve(__dirname, '../../..');
export const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

export interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  ports?: string[];
  profiles?: string[];
  healthcheck?: { test: string[]; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
}

export const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
export const services = Object.entries(compose.services);

export const dockerfile = read('Dockerfile');
/** One stage of the Dockerfile, from its FROM line to the next. */
export const stage = (name: string) => dockerfile.split(/^FROM /m).find((s) => s.split('\n')[0].endsWith(` AS ${name}`)) ?? '';

/** A release tag (1.30.1, 16.10-bookworm), optionally with a digest: never `latest` or a bare major. */
export const PINNED = /^[a-z0-9./-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)*(@sha256:[0-9a-f]{64})?$/;
