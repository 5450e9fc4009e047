/** Where the shipped detector is, independent of the working directory. */
import path from 'node:path';
import { packageRoot } from '../paths.js';

/** The pretrained detector shipped with the package. */
export function pretrainedModelPath(): string {
  return path.join(packageRoot(), 'models', 'pretrained');
}
