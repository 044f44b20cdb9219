/** The pipeline, in order. A new stage is one file and one line here. */
import type { Stage } from '../stage.ts';
import { integrationStage } from './integration.ts';
import { receptionStage } from './reception.ts';
import { rulesStage } from './rules.ts';
import { schemaStage } from './schema.ts';
import { signatureStage } from './signature.ts';
import { syntaxStage } from './syntax.ts';

export const STAGES: readonly Stage[] = [
  receptionStage,
  signatureStage,
  syntaxStage,
  schemaStage,
  rulesStage,
  integrationStage,
];
