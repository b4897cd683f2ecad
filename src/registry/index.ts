/** The registry layer: one client for `name@version`, `lock`, `batch` and `serve`. */
export { RegistryClient, CRATES_IO_INDEX, normaliseIndexUrl, parseIndexFile, parseIndexLines, type IndexLine, type RegistryOptions } from './client.js';
import { RegistryClient, type RegistryOptions } from './client.js';
import { safeText } from '../report/safe-text.js';
export { RegistryError } from './errors.js';
export { checkCrateName, checkVersion, parseCrateSpec, indexPath, indexPrefix, downloadUrl } from './names.js';
export { sha256, defaultCacheDir, defaultCargoHome } from './cache.js';
export { parseMinPublishAge, cargoMinPublishAge, cargoConfigFiles, applyPublishPolicy, type MinPublishAge, type PublishFacts } from './cooloff.js';
export type { FetchedCrate, IndexVersion, RegistryClientApi, UpstreamIndexApi } from './types.js';

/** The registry client of a command-line run: `index` or crates.io, warnings printed on stderr. */
export function commandLineClient(index?: string, prefix = 'cratefence', options: Pick<RegistryOptions, 'rememberUnreachable'> = {}): RegistryClient {
  return new RegistryClient({ index, ...options, onWarning: (m) => process.stderr.write(`${prefix}: ${safeText(m)}\n`) });
}
