/**
 * One downloaded `proxyacl#N` entry read with the ACL grammar: the entry the runtime installs
 * for an authenticated host (`installDynamic`) and the one the config checks when an `aaa
 * attribute list` carries it, so that both read it the same way. A downloaded entry is an
 * extended (or IPv6) entry without a sequence number whose source is `any` (it becomes the
 * client's address).
 */
import { ConfigError, DownloadedAclError } from '../errors.js';
import { tokenizeLine } from '../ios/tokens.js';
import type { DynamicAclText } from './api.js';
import { parseRule } from './grammar.js';
import type { AclRule } from './model.js';

/** The entry's rule (source still `any`), or the catalogue error naming the entry. */
export type DownloadedEntry =
  | { readonly ok: true; readonly rule: AclRule }
  | { readonly ok: false; readonly error: DownloadedAclError };

/** Parses `d` as an entry of an IPv4 extended list (`extended`) or of an IPv6 list (`ipv6`). */
export function parseDownloadedEntry(d: DynamicAclText, kind: 'extended' | 'ipv6'): DownloadedEntry {
  const tl = tokenizeLine(`proxyacl#${d.n}`, 1, d.text);
  let rule: AclRule;
  try {
    const parsed = parseRule(tl, 0, kind);
    if (parsed.seq >= 0) return { ok: false, error: new DownloadedAclError(d.n, d.text, 'sequence') };
    rule = parsed.rule;
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: new DownloadedAclError(d.n, d.text, err) };
    throw err;
  }
  if (!rule.srcWild.every((w) => w === 0xffffffff)) return { ok: false, error: new DownloadedAclError(d.n, d.text, 'source') };
  return { ok: true, rule };
}
