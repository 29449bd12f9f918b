/**
 * The contract between the ACL engine (`src/acl`) and its users: the config parser feeds it
 * lines, the engine classifies packets through an {@link AclRuntime}, the auth-proxy installs
 * and removes per-host dynamic entries, and `show` renders lists.
 */
import type { PacketMeta } from '../wire/packet.js';
import type { ConfigWarning, TokenLine } from '../ios/tokens.js';
import type { DownloadedAclError, DynamicAclTargetError } from '../errors.js';

/** Result of a classification. */
export const ACL_DENY = 0;
export const ACL_PERMIT = 1;
/** `AclRuntime.lastMatchCode` when the last classification must not be repeated from memory. */
export const ACL_MATCH_NONE = -1;

/**
 * Receives the ACL-related lines of a running-config while it is parsed: numbered
 * `access-list` lines, `ip access-list standard|extended NAME` and `ipv6 access-list NAME`
 * blocks with their sub-lines. Errors are thrown as `ConfigError` (line, column, expected token).
 */
export interface AclConfigBuilder {
  /**
   * Offers a top-level line. Returns `false` if it is not an ACL line (the config parser then
   * handles it), `true` if consumed. A line that opens a block makes the builder expect
   * sub-lines through {@link subLine} until that returns `false`.
   */
  topLevel(tl: TokenLine): boolean;
  /** Offers a line while a block is open. Returns `false` (and closes the block) if the line is not an ACL sub-command. */
  subLine(tl: TokenLine): boolean;
  /** True while an `ip access-list` / `ipv6 access-list` block is open. */
  inBlock(): boolean;
  /** Ends parsing: returns the lists defined. Warnings (e.g. unsupported keywords accepted) go to `warnings`. */
  finish(warnings: ConfigWarning[]): AclSet;
}

/** The ACLs a config defines, in definition order (opaque to everyone but `src/acl`). */
export interface AclSet {
  /** Names (numbers as decimal strings) of all defined lists. */
  readonly names: readonly string[];
  /** True if a list with this name or number is defined. */
  has(name: string): boolean;
  /** `standard`, `extended` or `ipv6`, or undefined. */
  kind(name: string): 'standard' | 'extended' | 'ipv6' | undefined;
}

/** One downloaded `proxyacl#N=<entry>` attribute, before parsing. */
export interface DynamicAclText {
  /** N of `proxyacl#N`. Entries are installed in ascending N. */
  readonly n: number;
  /** The entry text after `=`, e.g. `permit tcp any host 192.168.105.216 eq 23`. */
  readonly text: string;
}

/**
 * What {@link AclRuntime.installDynamic} did: installed, or nothing installed and why (an error
 * of the catalogue, returned rather than thrown; the control plane may throw it).
 */
export type InstallResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: DownloadedAclError | DynamicAclTargetError };

/** Receives `%SEC-6-IPACCESSLOGP`-style lines for entries with `log`/`log-input`. */
export type AclLogSink = (line: string, nowMs: number) => void;

/**
 * The compiled, per-packet side. One instance per engine; classification allocates nothing.
 */
export interface AclRuntime {
  /** Index of a defined list by name or number, or -1. */
  listIndex(name: string): number;
  /** Name of list `index`. */
  listName(index: number): string;
  /**
   * Classifies the packet against list `index`: first the source host's dynamic entries on that
   * list (if `withDynamic`), then the static entries, then the implicit deny. Counts the match
   * on the matching entry. Returns ACL_PERMIT or ACL_DENY.
   */
  classify(index: number, meta: PacketMeta, withDynamic: boolean, nowMs: number): number;
  /**
   * What the last `classify` matched in its list (a dynamic entry, a static entry or the
   * implicit deny), as a non-negative code for {@link countMatch}; {@link ACL_MATCH_NONE} when
   * the classification must not be repeated from memory — an entry with `log`, whose lines are
   * written per packet. A dynamic entry's code is its place among the packet's source host's
   * entries, not the entry itself, so that hosts holding the same downloaded list give the same
   * codes.
   */
  readonly lastMatchCode: number;
  /**
   * Counts `packets` more matches on list `index` for a code `lastMatchCode` gave, as `classify`
   * would have, for a packet from `src` (four address words; a dynamic entry's code is relative
   * to that host's entries) standing for `packets` packets (its `segments`): lets a caller that
   * remembers a flow's classification skip the lookup and keep the counters exact. Valid while
   * `version` is what it was when the code was given.
   */
  countMatch(index: number, code: number, src: Uint32Array, packets: number): void;
  /**
   * Changes whenever a classification of the same packet could give another result (dynamic
   * entries installed or removed); the static lists never change after compilation.
   */
  readonly version: number;
  /**
   * Parses `entries` with the ACL grammar (source `any` becomes `host <host>`) and installs
   * them atomically above the static entries of list `index`, replacing any the host had there.
   * On any parse error nothing is installed and the error names the offending entry.
   * `host` is four 32-bit words (IPv4-mapped for IPv4).
   */
  installDynamic(index: number, host: Uint32Array, entries: readonly DynamicAclText[]): InstallResult;
  /** Removes all dynamic entries of `host` on list `index`. Returns whether there were any. */
  removeDynamic(index: number, host: Uint32Array): boolean;
  /** Number of hosts holding dynamic entries on list `index`. */
  dynamicHostCount(index: number): number;
  /** `show ip access-lists [name]` text (IPv4 standard and extended lists). */
  showIpAccessLists(name?: string): string;
  /** `show ipv6 access-list [name]` text. */
  showIpv6AccessList(name?: string): string;
  /** Where `log` entries write their lines. */
  setLogSink(sink: AclLogSink | null): void;
}
