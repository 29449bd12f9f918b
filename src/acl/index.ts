/**
 * The ACL engine's public surface: the contract types, the config builder the config parser
 * uses, {@link compileAcls} for the engine, and the formatting and reference helpers tools and
 * tests use.
 */
export * from './api.js';
export { createAclConfigBuilder, kindOfNumber } from './config-lines.js';
export { compileAcls, CompiledAcls } from './runtime.js';
export type { AclCompileOptions } from './runtime.js';
export { AclSetImpl } from './model.js';
export type { AclRule, AclEntry, AclList, AclKind } from './model.js';
export { formatRule, formatListConfig, formatListHeader } from './format.js';
export { ACL_LOG_INTERVAL_MS } from './log.js';
