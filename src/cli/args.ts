// A tiny command-line parser: `--flag value`, `--flag=value`, boolean `--flag`, positionals, and
// `--` to end the flags. Unknown flags and missing values are a UsageError (exit status 2).

/** A mistake on the command line: printed with a hint and exit status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `optional`: `--flag` alone (a boolean) or `--flag=value` (a string), e.g. `--trace` / `--trace=bytes`. */
export type FlagKind = 'string' | 'boolean' | 'optional';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export interface ParsedArgs {
  readonly strings: ReadonlyMap<string, string>;
  readonly booleans: ReadonlySet<string>;
  readonly positionals: readonly string[];
}

export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const strings = new Map<string, string>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('--') || arg === '-') {
      if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${arg}" (options start with two dashes)`);
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    const kind = Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (kind === undefined) throw new UsageError(`unknown option "--${name}"`);
    if (kind === 'optional') {
      if (eq === -1) booleans.add(name);
      else strings.set(name, arg.slice(eq + 1));
      continue;
    }
    if (kind === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} takes no value`);
      booleans.add(name);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) throw new UsageError(`option --${name} needs a value`);
      i++;
    }
    if (strings.has(name)) throw new UsageError(`option --${name} was given twice`);
    strings.set(name, value);
  }
  return { strings, booleans, positionals };
}

/** A non-negative integer option, or the default. */
export function intOption(args: ParsedArgs, name: string, dflt: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = args.strings.get(name);
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) > max) throw new UsageError(`--${name} must be a whole number from 0 to ${max}, not "${v}"`);
  return Number(v);
}

/** `--a` and `--b` are given both or neither. */
export function requireTogether(args: ParsedArgs, a: string, b: string): void {
  if (args.strings.has(a) !== args.strings.has(b)) throw new UsageError(`--${a} and --${b} go together`);
}
