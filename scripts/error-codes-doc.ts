/**
 * docs/error-codes.md's tables, rendered from the codes registry (src/codes/). Only the part between the two
 * markers is generated; the prose around it is written by hand. `npm run docs:codes` writes it,
 * test/error-codes.test.ts fails when the file and the registry disagree.
 */
import { format } from 'prettier';
import { CODE_FAMILIES } from '../src/codes/index.ts';

export const ERROR_CODES_DOC = 'docs/error-codes.md';
const BEGIN = '<!-- BEGIN codes: generated from src/codes/ by `npm run docs:codes`, do not edit by hand -->';
const END = '<!-- END codes -->';

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const slug = (title: string) => title.toLowerCase().replace(/\s+/g, '-');

function tables(): string {
  const out: string[] = [];
  out.push('| family | codes | explained in |', '| --- | --- | --- |');
  for (const f of CODE_FAMILIES)
    out.push(
      `| [${f.title}](#${slug(f.title)}) | ${Object.keys(f.codes).length} | [${f.see.split('#')[0]}](${f.see}) |`,
    );
  for (const f of CODE_FAMILIES) {
    out.push('', `### ${f.title}`, '');
    out.push('| code | nature | severity | French label (`LibelleErreur`) | English label | when |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const [code, d] of Object.entries(f.codes))
      out.push(
        `| \`${code}\` | ${d.nature} | ${d.severity} | ${cell(d.labelFr)} | ${cell(d.labelEn)} | ${cell(d.doc)} |`,
      );
  }
  return out.join('\n');
}

/** The document with its generated part replaced (prettier-formatted, as `npm run format` would leave it). */
export async function renderErrorCodes(current: string): Promise<string> {
  const b = current.indexOf(BEGIN);
  const e = current.indexOf(END);
  if (b < 0 || e < b) throw new Error(`${ERROR_CODES_DOC}: markers ${BEGIN} … ${END} not found`);
  const text = `${current.slice(0, b + BEGIN.length)}\n\n${tables()}\n\n${current.slice(e)}`;
  return format(text, { parser: 'markdown', singleQuote: true, printWidth: 120, trailingComma: 'all' });
}
