import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createApiClient, type ApiClient, type ApiClientOptions } from './api-client';
import * as commands from './commands';
import { CliError, describeError, errorDocument, EXIT } from './errors';
import { processIo, type Io } from './io';

export const DEFAULT_URL = 'http://localhost:3000';
export const DEFAULT_INTERVAL_SECONDS = 5;

export interface Deps {
  io: Io;
  /** Unit tests fake the HTTP side here. */
  createClient?: (options: ApiClientOptions) => ApiClient;
}

interface GlobalOptions {
  url?: string;
  token?: string;
  json?: boolean;
  interval?: number;
}

const HELP_AFTER = `
Environment:
  SEGMENT_EXPORT_URL       API base URL (default ${DEFAULT_URL}); --url wins
  SEGMENT_EXPORT_TOKEN     API token (ape_…); --token wins
  SEGMENT_EXPORT_INTERVAL  seconds between progress lines when following without a terminal (default ${DEFAULT_INTERVAL_SECONDS})

Exit codes:
  0  done (with --follow: the run completed)
  1  error: the API answered one, could not be reached, or the arguments are wrong
  2  with --follow: the run ended but did not complete (failed, cancelled, terminated, timed_out, skipped)
  130  stopped following with Ctrl-C (the run goes on)

Examples:
  segment-export exports
  segment-export run <exportId> --follow
  segment-export run <exportId> --dry-run && segment-export runs show <runId>
  segment-export runs redrive <runId> --follow
  segment-export outcomes <runId> --status rejected --json
  segment-export import profiles.ndjson
`;

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of seconds above 0');
  return n;
}

/** The settings of one invocation: flags first, then the environment, then defaults. */
function contextFor(command: Command, deps: Deps): commands.Context {
  const opts = command.optsWithGlobals<GlobalOptions>();
  const { env } = deps.io;
  const token = opts.token ?? env.SEGMENT_EXPORT_TOKEN;
  if (!token) throw new CliError('no_token', 'no API token: set SEGMENT_EXPORT_TOKEN or pass --token (npm start prints the first admin token)');
  const envInterval = env.SEGMENT_EXPORT_INTERVAL;
  const intervalSeconds = opts.interval ?? (envInterval ? positiveEnv('SEGMENT_EXPORT_INTERVAL', envInterval) : DEFAULT_INTERVAL_SECONDS);
  const client = (deps.createClient ?? createApiClient)({ baseUrl: opts.url ?? env.SEGMENT_EXPORT_URL ?? DEFAULT_URL, token });
  return { client, io: deps.io, json: opts.json === true, intervalSeconds };
}

function positiveEnv(name: string, value: string): number {
  try {
    return positiveSeconds(value);
  } catch {
    throw new CliError('bad_env', `${name} must be a number of seconds above 0, not "${value}"`);
  }
}

type CommandOptions = { follow?: boolean; status?: string; dryRun?: boolean; full?: boolean };
type Action = (ctx: commands.Context, args: string[], opts: CommandOptions) => Promise<number>;

/** Runs an action with its context; the exit code is kept for main() to return. */
function wire(deps: Deps, state: { exitCode: number }, action: Action) {
  return async (...params: unknown[]) => {
    // Commander passes the arguments, then the command's options, then the command.
    const command = params[params.length - 1] as Command;
    const args = params.slice(0, -2) as string[];
    state.exitCode = await action(contextFor(command, deps), args, command.opts<CommandOptions>());
  };
}

const followOption = () => new Option('-f, --follow', 'draw live progress until the run ends; exit 0 only if it completed');
const intervalOption = () =>
  new Option('--interval <seconds>', `seconds between progress lines without a terminal (default ${DEFAULT_INTERVAL_SECONDS})`).argParser(positiveSeconds);

export function buildProgram(deps: Deps, state: { exitCode: number }): Command {
  const program = new Command('segment-export')
    .description('Export customer-profile segments to Autopilot: runs, progress and outcomes, through the HTTP API.')
    .option('--url <url>', `API base URL (env SEGMENT_EXPORT_URL, default ${DEFAULT_URL})`)
    .option('--token <token>', 'API token (env SEGMENT_EXPORT_TOKEN)')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .addHelpText('after', HELP_AFTER)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.stdout.write(s),
      writeErr: (s) => deps.io.stderr.write(s),
      // Usage errors look like every other error: one line, named after the tool.
      outputError: (s, write) => write(`segment-export: ${s}`),
    });
  const act = (action: Action) => wire(deps, state, action);

  program.command('connections').description('list the Autopilot connections').action(act((ctx) => commands.listConnections(ctx)));
  program.command('exports').description('list the exports').action(act((ctx) => commands.listExports(ctx)));
  program
    .command('run')
    .description('run an export now (if one of its runs is going, says which)')
    .argument('<exportId>')
    .option('--dry-run', 'plan only and report what it would do (runs show prints the plan); nothing is sent')
    .option('--full', 'send everything, whatever was delivered before (default: the export\'s mode)')
    .addOption(followOption())
    .addOption(intervalOption())
    .action(
      act((ctx, [exportId], opts) =>
        commands.startRun(ctx, exportId, opts.follow === true, { ...(opts.dryRun && { dryRun: true }), ...(opts.full && { mode: 'full' as const }) }),
      ),
    );

  const runs = program
    .command('runs')
    .description('the run history of an export (newest first), or one run: runs show|pause|resume|cancel|redrive|approve-removals <runId>')
    .argument('<exportId>')
    .action(act((ctx, [exportId]) => commands.listRuns(ctx, exportId)));
  runs
    .command('show')
    .description('one run: status, phase, counts, progress and ETA')
    .argument('<runId>')
    .addOption(followOption())
    .addOption(intervalOption())
    .action(act((ctx, [runId], opts) => commands.showRun(ctx, runId, opts.follow === true)));
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    runs.command(action).description(`${action} a run`).argument('<runId>').action(act((ctx, [runId]) => commands.actOnRun(ctx, runId, action)));
  }
  runs
    .command('redrive')
    .description("send a run's rejected and parked profiles again (and its unsent ones, if it did not complete), as a new run")
    .argument('<runId>')
    .addOption(followOption())
    .addOption(intervalOption())
    .action(act((ctx, [runId], opts) => commands.redriveRun(ctx, runId, opts.follow === true)));
  runs
    .command('approve-removals')
    .description('admins: let a mirror-mode run blocked on its removals ("blocked: needs approval …") remove them')
    .argument('<runId>')
    .action(act((ctx, [runId]) => commands.approveRemovals(ctx, runId)));

  program
    .command('outcomes')
    .description('the profiles a run skipped or Autopilot rejected, with reasons (all pages)')
    .argument('<runId>')
    .addOption(new Option('--status <status>', 'only these').choices(['skipped', 'rejected']))
    .action(act((ctx, [runId], opts) => commands.listOutcomes(ctx, runId, opts.status)));
  program
    .command('import')
    .description('import profiles from an NDJSON file (one JSON object per line), streamed')
    .argument('<file>')
    .action(act((ctx, [file]) => commands.importProfiles(ctx, file)));
  return program;
}

/** Parses argv (without node and the script), runs the command, and answers the exit code. */
export async function main(argv: string[], deps: Deps = { io: processIo() }): Promise<number> {
  const state = { exitCode: EXIT.ok as number };
  const program = buildProgram(deps, state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (err) {
    // Commander has printed its own message (usage errors) or the help/version text already.
    if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.ok : EXIT.error;
    deps.io.stderr.write(`segment-export: ${describeError(err)}\n`);
    if (program.opts<GlobalOptions>().json) deps.io.stdout.write(JSON.stringify(errorDocument(err), null, 2) + '\n');
    return EXIT.error;
  }
}

/** The process around main(): whatever slips through still ends as one line, never a stack trace. */
export function runAsProcess(): void {
  // A reader that went away (`| head`) is not an error worth a word.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => process.exit(err.code === 'EPIPE' ? EXIT.ok : EXIT.error));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`segment-export: ${describeError(err)}\n`);
    process.exit(EXIT.error);
  });
  // Nothing to wait for: main() answers every failure with an exit code, it never rejects.
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runAsProcess();
