/**
 * The command words of the running-config: which top-level commands portcullis implements
 * (so that they end any sub-mode), for the parser's line routing.
 */
import type { TokenLine } from '../ios/tokens.js';
import { wordAt } from './values.js';

/** True if the line is a top-level command portcullis implements (so it ends any sub-mode). */
export function isTopLevelCommand(tl: TokenLine): boolean {
  const w0 = wordAt(tl, 0);
  const w1 = wordAt(tl, 1);
  switch (w0) {
    case 'hostname': case 'interface': case 'aaa': case 'access-list': case 'username':
    case 'radius-server': case 'tacacs-server': case 'end': case 'banner':
      return true;
    case 'ip':
      return w1 === 'auth-proxy' || w1 === 'http' || w1 === 'access-list' || w1 === 'route';
    case 'ipv6':
      return w1 === 'access-list' || w1 === 'route';
    case 'radius':
    case 'tacacs':
      return w1 === 'server';
    default:
      return false;
  }
}
