/** SYNTAXE: which syntax the bytes are (never the extension), and whether a declared interface matches. */
import { detectSyntax } from '../../formats/registry.ts';
import type { Stage } from '../stage.ts';
import { ok, rejected } from '../stage.ts';

export const syntaxStage: Stage = {
  name: 'SYNTAXE',
  async run(ctx) {
    const bytes = ctx.payload ?? ctx.bytes;
    if (!bytes) return { outcome: 'skipped', findings: [] };
    const opts: { fileName?: string; declaredInterface?: string } = { fileName: ctx.flow.originalName };
    if (ctx.flow.declaredInterface) opts.declaredInterface = ctx.flow.declaredInterface;
    const result = await detectSyntax(bytes, opts);
    if (!result.ok) return rejected(result.findings);
    ctx.detected = result.flow;
    return ok();
  },
};
