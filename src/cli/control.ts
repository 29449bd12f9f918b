/**
 * The operator's commands on the command line: `portcullis show …`, `clear …`, `debug ip
 * auth-proxy …` and `undebug all` ask the running gateway through its control socket
 * (`--control PATH`); `show … --config FILE` answers from a configuration alone, without a
 * gateway, for what needs no live state. The command is parsed here first (the gateway parses it
 * again), so that a typing slip is reported whether or not a gateway runs.
 */
import { loadConfig } from '../config/parse.js';
import { compileAcls } from '../acl/index.js';
import { UsageError } from '../errors.js';
import { parseControlCommand } from '../control/commands.js';
import { answerShow } from '../control/answer.js';
import { callControl } from '../control/client.js';
import { DEFAULT_CONTROL_PATH } from '../control/protocol.js';
import { writeStderr, writeStdout } from './stdio.js';

export interface ControlCliOptions {
  /** `--control PATH`. */
  readonly controlPath: string | undefined;
  /** `--config FILE` (offline `show`). */
  readonly configPath: string | undefined;
}

/** Runs `words` (the command, e.g. `show ip auth-proxy cache`); resolves with the exit status. */
export async function runControlCli(words: readonly string[], opts: ControlCliOptions): Promise<number> {
  const cmd = parseControlCommand(words);
  if (opts.configPath !== undefined) {
    if (cmd.kind !== 'show-access-lists' && cmd.kind !== 'show-auth-proxy' && cmd.kind !== 'show-aaa-servers') {
      throw new UsageError(`${cmd.text}: acts on the running gateway; --config is for show`);
    }
    if (opts.controlPath !== undefined) throw new UsageError('show takes --config FILE (offline) or --control PATH (the gateway), not both');
    const config = loadConfig(opts.configPath);
    writeStdout(answerShow(cmd, { config, acls: compileAcls(config.acls), engine: null, nowMs: 0 }));
    return 0;
  }
  const path = opts.controlPath ?? DEFAULT_CONTROL_PATH;
  if (cmd.kind !== 'debug') {
    const r = await callControl({ path, command: cmd.text });
    writeStdout(r.output);
    return 0;
  }
  // A debug stream: lines on stdout (and nothing else, as replay's --debug), the rest on stderr;
  // Ctrl-C or SIGTERM ends it by disconnecting, which ends this client's debugging.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const r = await callControl({
      path, command: cmd.text, signal: stop.signal,
      onStreamStart: (output) => writeStderr(output),
      onLine: (line) => writeStdout(line + '\n'),
      onDropped: (n) => writeStderr(`portcullis: ${n} debug lines dropped: this terminal did not keep up\n`),
    });
    if (r.streamEnd !== 'interrupted') writeStderr(`portcullis: debugging ended: ${r.streamEnd}\n`);
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
