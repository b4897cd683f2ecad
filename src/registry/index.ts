/** The registry layer: one client for `name@version`, `lock`, `batch` and `serve`. */
export { RegistryClient, CRATES_IO_INDEX, normaliseIndexUrl, parseIndexFile, type RegistryOptions } from './client.js';
import { RegistryClient } from './client.js';
import { safeText } from '../report/safe-text.js';
export { RegistryError } from './errors.js';
export { checkCrateName, checkVersion, parseCrateSpec, indexPath, indexPrefix, downloadUrl } from './names.js';
export { sha256, defaultCacheDir, defaultCargoHome } from './cache.js';
export { parseMinPublishAge, cargoMinPublishAge, cargoConfigFiles, applyPublishPolicy, type MinPublishAge, type PublishFacts } from './cooloff.js';
export type { FetchedCrate, IndexVersion, RegistryClientApi } from './types.js';

/** The registry client of a command-line run: `index` or crates.io, warnings printed on stderr. */
export function commandLineClient(index?: string, prefix = 'cratefence'): RegistryClient {
  return new RegistryClient({ index, onWarning: (m) => process.stderr.write(`${prefix}: ${safeText(m)}\n`) });
}
