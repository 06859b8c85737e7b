import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { ensureTemporalCli } from '../../scripts/temporal-cli';

/** Every execution of a workflow id: a run that continued as new is several executions. */
export async function allExecutions(client: Client, workflowId: string) {
  const executions = [];
  for await (const e of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) executions.push(e);
  return executions;
}

/** The full text of all histories, with every payload decoded, to search for leaked data. */
export async function historyText(client: Client, workflowId: string): Promise<string> {
  const parts: string[] = [];
  for (const e of await allExecutions(client, workflowId)) {
    const history = await client.workflow.getHandle(workflowId, e.runId).fetchHistory();
    collect(history, parts);
  }
  return parts.join('\n');
}

function collect(value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collect(v, out));
  else if (typeof value === 'object') Object.values(value).forEach((v) => collect(v, out));
}

export const FIXTURES_DIR = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, keeps the histories of a run (its first, second and last execution) as
 * replay fixtures: `npm run record-histories` refreshes them when a workflow change is intended.
 */
export async function recordHistories(client: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  mkdirSync(FIXTURES_DIR, { recursive: true });
  const executions = (await allExecutions(client, workflowId)).reverse(); // oldest first
  const kept = [...new Set([executions[0], executions[1], executions[executions.length - 1]])].filter(Boolean);
  // The CLI writes the JSON form replay reads back (historyFromJSON), whatever protobuf copy the SDK loads.
  const cli = ensureTemporalCli();
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  for (const [i, e] of kept.entries()) {
    const json = execFileSync(cli, ['workflow', 'show', '--address', address, '-w', workflowId, '-r', e.runId, '-o', 'json']);
    writeFileSync(path.join(FIXTURES_DIR, `${name}-${i + 1}.json`), json);
  }
}
