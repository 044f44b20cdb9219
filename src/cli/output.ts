/** How the CLI prints: human tables with a header row, or `--json` for scripts. */

export type Row = Record<string, unknown>;
export type Column = [header: string, value: (row: Row) => unknown];

export function text(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.map(text).join(', ');
  return JSON.stringify(v);
}

function write(s: string): void {
  process.stdout.write(s);
}

export function printJson(data: unknown): void {
  write(`${JSON.stringify(data, null, 2)}\n`);
}

/** A table: header row then one line per row, columns padded to their widest cell (the last one is not). */
function formatTable(rows: readonly Row[], columns: readonly Column[]): string {
  const cells = rows.map((r) => columns.map(([, f]) => text(f(r)).replace(/\s*\n\s*/g, ' ')));
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join('\n') + '\n';
}

/** A list: the table, or "(none)" on stderr when empty (a script reading stdout gets nothing). */
export function printTable(rows: readonly Row[], columns: readonly Column[], what: string): void {
  if (!rows.length) {
    process.stderr.write(`no ${what}\n`);
    return;
  }
  write(formatTable(rows, columns));
}

/**
 * One record for a human: `key: value` lines; a list of records becomes an indented table with its
 * keys as headers; a nested record is indented under its key.
 */
function formatRecord(obj: Row, indent = ''): string {
  let out = '';
  const width = Math.max(0, ...Object.keys(obj).map((k) => k.length));
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v) && v.some((x) => x !== null && typeof x === 'object' && !(x instanceof Date))) {
      out += `${indent}${k}:\n`;
      const keys = [...new Set(v.flatMap((x) => Object.keys(x as Row)))];
      out += formatTable(
        v as Row[],
        keys.map((key) => [key, (r: Row) => r[key]] as Column),
      )
        .split('\n')
        .filter(Boolean)
        .map((l) => `${indent}  ${l}\n`)
        .join('');
    } else if (Array.isArray(v) && v.length === 0) {
      out += `${indent}${k.padEnd(width)}  (none)\n`;
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date) && !Array.isArray(v)) {
      out += `${indent}${k}:\n${formatRecord(v as Row, `${indent}  `)}`;
    } else {
      out += `${indent}${k.padEnd(width)}  ${text(v)}\n`;
    }
  }
  return out;
}

export function printRecord(obj: Row): void {
  write(formatRecord(obj));
}

/**
 * `passerelle … | head -1`: the reader goes away and writing raises EPIPE; that is the reader's choice,
 * not a failure: stop quietly.
 */
export function exitQuietlyOnEpipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
}
