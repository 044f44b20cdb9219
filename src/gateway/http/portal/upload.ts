/**
 * The portal's deposit forms (partner sign-in and accounts): fields and one file, streamed to a private
 * temporary file. The form token comes before the file: a forged request writes nothing to disk.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';

export interface Refusal {
  status: number;
  message: string;
}

const FORGED: Refusal = {
  status: 403,
  message: 'Jeton de formulaire absent ou invalide (CSRF) : rechargez la page et recommencez.',
};

/** The partner's name for a flow: base name only, no control characters, at most 255 characters. */
function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return (name.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, 255);
}

/**
 * Reads a multipart deposit form. `tokenOk` is asked, with the fields read so far, before any file is
 * written; a refusal comes back with no file left behind.
 */
export async function receiveDepositForm(
  req: FastifyRequest,
  opts: { tmpDir: string; maxFlowSizeKo: number; tokenOk: (fields: Record<string, string>) => boolean },
): Promise<{ fields: Record<string, string>; upload?: { file: string; name: string }; refusal?: Refusal }> {
  const fields: Record<string, string> = {};
  let upload: { file: string; name: string } | undefined;
  try {
    for await (const part of req.parts()) {
      if (part.type === 'field') {
        fields[part.fieldname] = String(part.value);
        continue;
      }
      if (!opts.tokenOk(fields)) {
        part.file.resume();
        return { fields, refusal: FORGED };
      }
      const name = cleanName(part.filename ?? '');
      if (part.fieldname !== 'fichier' || !name) {
        part.file.resume();
        continue;
      }
      const file = path.join(opts.tmpDir, `.portail-${randomUUID()}`);
      upload = { file, name };
      await pipeline(part.file, createWriteStream(file, { flags: 'wx', mode: 0o600 }));
    }
  } catch (e) {
    if (upload) await rm(upload.file, { force: true });
    const tooLarge = (e as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE';
    return {
      fields,
      refusal: tooLarge
        ? {
            status: 413,
            message: `GDP_MSG_11.022 : la taille du fichier dépasse la taille maximale autorisée (${opts.maxFlowSizeKo} Ko).`,
          }
        : { status: 400, message: `Dépôt illisible : ${(e as Error).message}` },
    };
  }
  // A form with no file part at all: the token is still checked.
  if (!opts.tokenOk(fields)) {
    if (upload) await rm(upload.file, { force: true });
    return { fields, refusal: FORGED };
  }
  return upload ? { fields, upload } : { fields };
}
