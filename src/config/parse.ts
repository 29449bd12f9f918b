/**
 * The IOS running-config parser: turns the text `show running-config` prints into a typed,
 * validated {@link Config}. It implements the subset the auth-proxy needs (hostname, `aaa`,
 * `ip auth-proxy`, `ip http`, interfaces, RADIUS/TACACS+ servers, local users, static routes)
 * and hands access-list lines to the ACL engine's builder (`src/acl/config-lines.ts`). This
 * module routes lines; each configuration section has a room of its own (`interfaces.ts`,
 * `auth-proxy.ts`, `aaa.ts`, `attribute-lists.ts`, `servers.ts`, `http.ts`, `users.ts`, `routes.ts`) sharing one
 * {@link ParseContext}.
 *
 * How lines are grouped follows IOS's own configuration parser rather than indentation alone:
 * a line is tried in the current sub-mode (interface, ACL block) first and, if it is not a
 * command of that mode, at the top level, which ends the sub-mode. Indentation only decides
 * what an unknown line belongs to: an indented unknown line is a sub-line of the block above it,
 * an unindented one is a top-level line. `!` lines are comments and never change the mode.
 *
 * Lines portcullis does not implement (`voice …`, `crypto ca …` blocks with their certificates,
 * `line …` blocks, interface sub-lines such as `duplex half`) produce one warning each; a line
 * that starts like an implemented command but is malformed is a {@link ConfigError} naming
 * file, line, column and the expected token, and the parse stops there ("nothing starts").
 */
import { ConfigError } from '../errors.js';
import { readConfigFile } from './read-file.js';
import { createAclConfigBuilder } from '../acl/config-lines.js';
import type { AclConfigBuilder, AclSet } from '../acl/api.js';
import { expectedAt } from '../ios/tokens.js';
import { clip, echoLine, echoToken } from '../ios/echo.js';
import type { TokenLine } from '../ios/tokens.js';
import type { Config, StaticRoute } from './types.js';
import { CONFIG_DEFAULTS, ParseContext } from './context.js';
import type { Reference } from './context.js';
import { readDelimitedText } from './banner.js';
import { isTopLevelCommand } from './commands.js';
import { InterfaceSection } from './interfaces.js';
import { AuthProxySection } from './auth-proxy.js';
import { AaaSection } from './aaa.js';
import { DynamicAuthorSection } from './dynamic-author.js';
import { RadiusSection } from './servers.js';
import { TacacsSection } from './tacacs.js';
import type { ServerBlock } from './server-blocks.js';
import { HttpSection } from './http.js';
import { LOGIN_MODE_KEYWORDS, LoginModesSection } from './login-modes.js';
import { UserSection } from './users.js';
import { AttributeListSection } from './attribute-lists.js';
import { parseStaticRoute, resolveRoutes } from './routes.js';
import type { PendingRoute } from './routes.js';
import { expectEnd, restOfLine, wordAt } from './values.js';
import { AP_PROTO_HTTP, AP_PROTO_HTTPS } from '../authproxy/protocols.js';
import {
  AAA_GROUP_SERVER_WORDS, AAA_GROUP_WORDS, AAA_SERVER_RADIUS_WORDS, AAA_SERVER_WORDS, AAA_WORDS, ACL_BLOCK_WORDS, closedWordAt,
  implementedWords, IP_WORDS, IPV6_WORDS, RADIUS_WORDS, TACACS_WORDS, TOP_WORDS, rejectMistyped,
} from './vocabulary.js';
import type { WordSet } from './vocabulary.js';

export { CONFIG_DEFAULTS } from './context.js';

/** Top-level lines that start an ignored block whose sub-lines are certificates (up to `quit`). */
const CERT_CHAIN = /^crypto\s+(ca|pki)\s+certificate\s+chain\b/i;

/**
 * Reads and parses the running-config at `path`. A file that cannot be read is a
 * `ConfigFileError`, one past the size limits a `ConfigTooLargeError` or
 * `ConfigLineTooLongError` (see `readConfigFile`); a malformed line a {@link ConfigError}.
 */
export function loadConfig(path: string): Config {
  const text = readConfigFile(path);
  return parseConfig(text, path);
}

/**
 * Parses running-config `text` (`file` names it in errors and warnings). Throws the first
 * {@link ConfigError}; non-fatal findings are in `Config.warnings`, sorted by line.
 */
export function parseConfig(text: string, file: string): Config {
  return new ConfigParser(text.replace(/^\uFEFF/, ''), file).run();
}

type Mode = 'top' | 'interface' | 'attribute-list' | 'server-block' | 'ignored' | 'cert-chain' | 'cert-data';

/**
 * One parse of one text; not reusable. It routes each line to the room of its section and
 * keeps the mode (interface block, ignored block, certificate chain); the rooms keep the state.
 */
class ConfigParser {
  private readonly ctx: ParseContext;
  private readonly acl: AclConfigBuilder = createAclConfigBuilder();
  private readonly interfaces: InterfaceSection;
  private readonly authProxy: AuthProxySection;
  private readonly aaa: AaaSection;
  private readonly radius: RadiusSection;
  private readonly tacacs: TacacsSection;
  private readonly http: HttpSection;
  private readonly loginModes: LoginModesSection;
  private readonly users: UserSection;
  private readonly attributeLists: AttributeListSection;
  private readonly dynamicAuthor: DynamicAuthorSection;
  private readonly routes: PendingRoute[] = [];
  private hostname: string = CONFIG_DEFAULTS.hostname;
  private mode: Mode = 'top';
  /** The `radius server` or `aaa group server` block open in 'server-block' mode. */
  private serverBlock: ServerBlock | null = null;
  /** The ignored block being skipped, and how many sub-lines it had so far. */
  private ignoredHead: TokenLine | null = null;
  private ignoredCount = 0;
  private ignoredKnown: WordSet | undefined;
  private endLine: TokenLine | null = null;
  private afterEnd: TokenLine | null = null;

  constructor(text: string, private readonly file: string) {
    const ctx = new ParseContext(file, text);
    this.ctx = ctx;
    this.interfaces = new InterfaceSection(ctx);
    this.authProxy = new AuthProxySection(ctx);
    this.aaa = new AaaSection(ctx);
    this.radius = new RadiusSection(ctx);
    this.tacacs = new TacacsSection(ctx);
    this.http = new HttpSection(ctx);
    this.loginModes = new LoginModesSection(ctx);
    this.users = new UserSection(ctx);
    this.attributeLists = new AttributeListSection(ctx);
    this.dynamicAuthor = new DynamicAuthorSection(ctx);
  }

  run(): Config {
    const ctx = this.ctx;
    for (ctx.index = 0; ctx.index < ctx.lines.length; ctx.index++) {
      const tl = ctx.lines[ctx.index]!;
      const first = tl.tokens[0];
      if (first === undefined || first.text.startsWith('!')) continue;
      if (this.endLine !== null) {
        if (this.afterEnd === null) this.afterEnd = tl;
        continue;
      }
      this.line(tl);
    }
    this.closeIgnored();
    if (this.afterEnd !== null) {
      ctx.warn(this.afterEnd, 0, `lines after "end" (line ${this.endLine!.line}) ignored`);
    }
    const acls = this.acl.finish(ctx.warnings);
    return this.finish(acls);
  }

  /** Routes one non-comment line to the current mode, falling back to the top level. */
  private line(tl: TokenLine): void {
    if (this.acl.inBlock()) {
      if (this.acl.subLine(tl)) return;
      // An indented line the list does not take was meant for it if it is a slip of an entry word.
      if (tl.indent > 0) rejectMistyped(tl, 0, ACL_BLOCK_WORDS);
    }
    const w0 = wordAt(tl, 0)!;
    switch (this.mode) {
      case 'interface':
        if (this.interfaces.subLine(tl)) return;
        this.interfaces.close();
        break;
      case 'attribute-list':
        if (this.attributeLists.subLine(tl)) return;
        break;
      case 'server-block':
        if (this.serverBlock!.subLine(tl)) return;
        this.serverBlock = null;
        break;
      case 'cert-data':
        this.ignoredCount++;
        if (w0 === 'quit') this.mode = 'cert-chain';
        return;
      case 'cert-chain':
        if (w0 === 'certificate') {
          this.ignoredCount++;
          this.mode = 'cert-data';
          return;
        }
        if (tl.indent > 0 && !isTopLevelCommand(tl)) {
          this.ignoredCount++;
          return;
        }
        this.closeIgnored();
        break;
      case 'ignored':
        if (tl.indent > 0 && !isTopLevelCommand(tl)) {
          this.ignoredCount++;
          return;
        }
        this.closeIgnored();
        break;
      case 'top':
        break;
    }
    this.mode = 'top';
    this.topLevel(tl);
  }

  /**
   * Starts skipping an unimplemented line and the indented sub-lines that follow it; `known`: the
   * words of the line's position, the implemented ones of which the warning names.
   */
  private ignore(tl: TokenLine, known?: WordSet): void {
    this.ignoredHead = tl;
    this.ignoredKnown = known;
    this.ignoredCount = 0;
    this.mode = CERT_CHAIN.test(restOfLine(tl, 0)) ? 'cert-chain' : 'ignored';
  }

  private closeIgnored(): void {
    const head = this.ignoredHead;
    if (head === null) return;
    const text = echoLine(head);
    const n = this.ignoredCount;
    const known = this.ignoredKnown === undefined ? '' : ` (it implements ${implementedWords(this.ignoredKnown)} here)`;
    this.ctx.warn(head, 0, n === 0
      ? `ignored "${text}": not implemented by portcullis${known}`
      : `ignored "${text}" and its ${n} sub-line${n === 1 ? '' : 's'}: not implemented by portcullis${known}`);
    this.ignoredHead = null;
    this.ignoredKnown = undefined;
    this.ignoredCount = 0;
    if (this.mode === 'ignored' || this.mode === 'cert-chain' || this.mode === 'cert-data') this.mode = 'top';
  }

  private topLevel(tl: TokenLine): void {
    if (this.acl.topLevel(tl)) return;
    const w0 = wordAt(tl, 0)!;
    const w1 = wordAt(tl, 1);
    switch (w0) {
      case 'hostname': return this.parseHostname(tl);
      case 'interface':
        this.interfaces.begin(tl);
        this.mode = 'interface';
        return;
      case 'aaa':
        if (w1 === 'attribute' && wordAt(tl, 2) === 'list') {
          this.attributeLists.begin(tl);
          this.mode = 'attribute-list';
          return;
        }
        if (w1 === 'server' && wordAt(tl, 2) === 'radius') {
          if (!closedWordAt(tl, 3, AAA_SERVER_RADIUS_WORDS)) return this.ignore(tl, AAA_SERVER_RADIUS_WORDS);
          this.serverBlock = this.dynamicAuthor.begin(tl);
          this.mode = 'server-block';
          return;
        }
        if (w1 === 'group' && wordAt(tl, 2) === 'server') {
          if (!closedWordAt(tl, 3, AAA_GROUP_SERVER_WORDS)) return this.ignore(tl, AAA_GROUP_SERVER_WORDS);
          this.serverBlock = wordAt(tl, 3) === 'radius' ? this.radius.beginGroup(tl) : this.tacacs.beginGroup(tl);
          this.mode = 'server-block';
          return;
        }
        if (this.aaa.parse(tl)) return;
        break;
      case 'radius':
        if (w1 === 'server') {
          this.serverBlock = this.radius.beginServer(tl);
          this.mode = 'server-block';
          return;
        }
        break;
      case 'tacacs':
        if (w1 === 'server') {
          this.serverBlock = this.tacacs.beginServer(tl);
          this.mode = 'server-block';
          return;
        }
        break;
      case 'radius-server':
        if (this.radius.parse(tl)) return;
        break;
      case 'tacacs-server':
        if (this.tacacs.parse(tl)) return;
        break;
      case 'username': return this.users.parse(tl);
      case 'banner': return this.parseIgnoredBanner(tl);
      case 'end':
        expectEnd(tl, 1);
        this.endLine = tl;
        return;
      case 'ip':
        if (w1 === 'auth-proxy') {
          return LOGIN_MODE_KEYWORDS.has(wordAt(tl, 2) ?? '') ? this.loginModes.parse(tl) : this.authProxy.parse(tl);
        }
        if (w1 === 'http') return this.http.parse(tl);
        if (w1 === 'route') return this.parseRoute(tl, 4);
        if (w1 === 'address' || w1 === 'access-group') throw notInInterface(tl, `ip ${w1}`);
        break;
      case 'ipv6':
        if (w1 === 'route') return this.parseRoute(tl, 6);
        if (w1 === 'address' || w1 === 'traffic-filter') throw notInInterface(tl, `ipv6 ${w1}`);
        break;
      case 'no':
        if (this.parseNo(tl)) return;
        break;
      case 'building':
        // `show running-config` prints "Building configuration..." before the config itself.
        if (w1 === 'configuration...' && tl.tokens.length === 2) return;
        break;
      case 'current':
        // …and "Current configuration : N bytes".
        if (w1 === 'configuration' && tl.tokens[2]?.text === ':') return;
        break;
      default:
        break;
    }
    rejectMistypedCommand(tl);
    this.ignore(tl);
  }

  private parseHostname(tl: TokenLine): void {
    const name = tl.tokens[1]?.text;
    if (name === undefined) throw expectedAt(tl, 1, 'a host name');
    expectEnd(tl, 2);
    this.hostname = name;
  }

  /** `no …` lines portcullis implements; false for the others (ignored with a warning). */
  private parseNo(tl: TokenLine): boolean {
    const w1 = wordAt(tl, 1);
    const w2 = wordAt(tl, 2);
    if (w1 === 'aaa' && w2 === 'new-model') {
      this.aaa.noNewModel(tl);
      return true;
    }
    if (w1 === 'ip' && w2 === 'http') return this.http.parseNo(tl);
    return false;
  }

  /** `banner motd|login|exec|… ^C … ^C`: ignored, but its text (possibly many lines) is skipped. */
  private parseIgnoredBanner(tl: TokenLine): void {
    if (tl.tokens.length < 3) {
      this.ignore(tl);
      return;
    }
    const d = readDelimitedText(this.ctx.lines, this.ctx.index, 2);
    this.ctx.index = d.lastLine;
    this.ctx.warn(tl, 0, `ignored "banner ${echoToken(tl, 1)}": not implemented by portcullis`);
  }

  private parseRoute(tl: TokenLine, family: 4 | 6): void {
    const route = parseStaticRoute(tl, family);
    if (route === undefined) this.ignore(tl);
    else this.routes.push(route);
  }

  // ---- cross-checks and result ------------------------------------------------------------

  private finish(acls: AclSet): Config {
    const ctx = this.ctx;
    for (const itf of this.interfaces.interfaces) {
      const ref = itf.authProxy;
      if (ref !== undefined && !this.authProxy.hasRule(ref.name)) {
        throw expectedAt(ref.tl, ref.index, 'the name of a defined auth-proxy rule',
          `no "ip auth-proxy name ${clip(ref.name)} …" line defines it`);
      }
    }
    this.warnNoSecureServer();
    const undefinedAcl = (ref: Reference | undefined, what: string): void => {
      if (ref !== undefined && !acls.has(ref.name)) {
        ctx.warn(ref.tl, ref.index, `access list "${clip(ref.name)}" is not defined: as in IOS, ${what}`);
      }
    };
    for (const ref of this.authProxy.listReferences()) undefinedAcl(ref, 'the rule then applies to all traffic');
    for (const itf of this.interfaces.interfaces) {
      undefinedAcl(itf.accessGroupIn, 'the interface then permits all traffic');
      undefinedAcl(itf.accessGroupOut, 'the interface then permits all traffic');
      undefinedAcl(itf.ipv6FilterIn, 'the interface then permits all traffic');
      undefinedAcl(itf.ipv6FilterOut, 'the interface then permits all traffic');
    }
    const aaa = this.aaa.result();
    const dynamicAuthor = this.dynamicAuthor.result();
    const attributeLists = this.attributeLists.result();
    const consentList = this.loginModes.consentReference();
    if (consentList !== undefined && !attributeLists.has(consentList.name)) {
      throw expectedAt(consentList.tl, consentList.index, 'the name of a defined aaa attribute list',
        `no "aaa attribute list ${clip(consentList.name)}" block defines it`);
    }
    const radius = this.radius.result();
    const tacacs = this.tacacs.result();
    // A method list naming a group no block defines would fail only when the gateway starts.
    for (const ref of this.aaa.groupReferences()) {
      const lower = ref.name.toLowerCase();
      if ((lower === 'tacacs+' || tacacs.groups.has(ref.name)) && ref.tl.tokens[1]?.text.toLowerCase() === 'accounting') {
        ctx.warn(ref.tl, ref.index, `TACACS+ accounting is not implemented: "group ${clip(ref.name)}" gets no accounting records (the list's RADIUS groups do)`);
      }
      if (lower === 'radius' || lower === 'tacacs+' || radius.groups.has(ref.name) || tacacs.groups.has(ref.name)) continue;
      throw expectedAt(ref.tl, ref.index, 'a server group name ("radius", "tacacs+" or a name)',
        `no "aaa group server radius|tacacs+ ${clip(ref.name)}" block defines it`);
    }
    const routes = resolveRoutes(this.routes, this.interfaces.interfaces.map((i) => i.name));
    this.warnNoDefaultRoute(routes);
    ctx.warnings.sort((a, b) => a.line - b.line || a.column - b.column);
    return {
      file: this.file,
      hostname: this.hostname,
      aaa,
      authProxy: this.authProxy.globalsResult(),
      authProxyRules: this.authProxy.rulesResult(),
      http: this.http.result(),
      loginModes: this.loginModes.result(),
      interfaces: this.interfaces.result(),
      acls,
      radius,
      tacacs,
      users: this.users.result((name) => attributeLists.has(name)),
      attributeLists,
      routes,
      dynamicAuthor,
      warnings: ctx.warnings,
    };
  }

  /**
   * IOS without `ip http secure-server` posts the login form over plain HTTP; portcullis takes
   * credentials only over HTTPS (seed 000: "Only the postrequest … will be forced to use HTTP
   * over SSL"), so without it there is no login service, and an interface rule that intercepts
   * web traffic can only say that logging in is unavailable (`intercept-app.ts`). Warned once,
   * at the first interface applying such a rule.
   */
  private warnNoSecureServer(): void {
    if (this.http.result().secureServer) return;
    const rules = this.authProxy.rulesResult();
    for (const itf of this.interfaces.interfaces) {
      const ref = itf.authProxy;
      const flags = ref === undefined ? 0 : rules.get(ref.name)?.protoFlags ?? 0;
      if ((flags & (AP_PROTO_HTTP | AP_PROTO_HTTPS)) === 0) continue;
      this.ctx.warn(ref!.tl, ref!.index, `auth-proxy rule "${clip(ref!.name)}" intercepts web traffic on ${clip(itf.name)}, but `
        + '"ip http secure-server" is not configured: portcullis takes credentials over HTTPS only, so no login service runs '
        + 'and intercepted clients get a page saying that logging in is unavailable', 'no-secure-server');
      return;
    }
  }

  /**
   * An inbound ACL filters only packets placed on its interface, and a packet is placed by
   * reverse-path lookup of its source over connected prefixes and static routes. Without a
   * default route, traffic from the internet (a source on no connected prefix or route) is
   * placed on no interface and passes no inbound ACL: warn once per address family.
   */
  private warnNoDefaultRoute(routes: readonly StaticRoute[]): void {
    for (const family of [4, 6] as const) {
      if (routes.some((r) => r.family === family && r.prefixLength === 0)) continue;
      const itf = this.interfaces.interfaces.find((i) => (family === 4 ? i.accessGroupIn : i.ipv6FilterIn) !== undefined);
      if (itf === undefined) continue;
      const ref = (family === 4 ? itf.accessGroupIn : itf.ipv6FilterIn)!;
      const route = family === 4 ? 'ip route 0.0.0.0 0.0.0.0 …' : 'ipv6 route ::/0 …';
      this.ctx.warn(ref.tl, ref.index, `inbound access list "${clip(ref.name)}" on ${clip(itf.name)}, but no default route ("${route}"): `
        + 'packets from sources no connected prefix or route covers come in on no interface and pass no inbound list', 'no-default-route');
    }
  }
}

/**
 * Throws the "did you mean" error for a top-level line about to be ignored whose command word
 * (or, after `ip`, `ipv6`, `aaa`, `radius-server`, `tacacs-server`, its second word; after `aaa
 * group` and `aaa server`, its third) is a slip of one portcullis implements. `no` is looked through.
 */
function rejectMistypedCommand(tl: TokenLine): void {
  const start = wordAt(tl, 0) === 'no' ? 1 : 0;
  rejectMistyped(tl, start, TOP_WORDS);
  const second = { ip: IP_WORDS, ipv6: IPV6_WORDS, aaa: AAA_WORDS, 'radius-server': RADIUS_WORDS, 'tacacs-server': TACACS_WORDS }[
    wordAt(tl, start) ?? ''];
  if (second !== undefined) rejectMistyped(tl, start + 1, second);
  if (wordAt(tl, start) !== 'aaa') return;
  const third = { group: AAA_GROUP_WORDS, server: AAA_SERVER_WORDS }[wordAt(tl, start + 1) ?? ''];
  if (third !== undefined) rejectMistyped(tl, start + 2, third);
}

/** The error for an interface sub-command found outside any interface block. */
function notInInterface(tl: TokenLine, command: string): ConfigError {
  return expectedAt(tl, 0, 'a global configuration command', `"${command}" belongs in an interface block`);
}
