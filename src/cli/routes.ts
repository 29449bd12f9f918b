/**
 * `portcullis routes --config FILE [--remove]`: prints the policy routing `run` installs (for
 * operators who run with `--no-routes` and manage it themselves), or removes every rule and
 * route portcullis installed, the fail-closed prohibit rules included
 * (src/gateway/routes.ts says which: rule priorities 7100-7499, tables 7100-7299).
 */
import { loadConfig } from '../config/parse.js';
import { hostHasIpv6, installCommands, removeAll, routingPlan, type Family } from '../gateway/routes.js';
import { UsageError } from '../errors.js';
import { writeStdout } from './stdio.js';

/** Prints the commands (`remove` false) or removes the routing and prints what it ran. */
export function routesCommand(configPath: string | undefined, remove: boolean): number {
  const families: Family[] = hostHasIpv6() ? [4, 6] : [4];
  if (remove) {
    const done = removeAll(families);
    writeStdout(done.length === 0 ? '# no portcullis rules or routes were installed\n' : done.join('\n') + '\n');
    return 0;
  }
  if (configPath === undefined) throw new UsageError('routes needs --config FILE (or --remove)');
  const plan = routingPlan(loadConfig(configPath));
  writeStdout('# each table\'s default route needs its TUN device: run `portcullis run --no-routes` first\n');
  writeStdout(installCommands(plan, families).join('\n') + '\n');
  return 0;
}
