import { UsageError } from '../usage.js';

/** Placeholder until this command lands; replaced by its layer's implementation. */
export async function run(_argv: string[]): Promise<number> {
  throw new UsageError('this command is not available in this build');
}
