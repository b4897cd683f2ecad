import type { ScanContext } from '../context.js';
import type { CompiledRule } from '../loader.js';
import type { Match } from '../types.js';
import { manifestAnalyzer } from './manifest.js';
import {
  archiveNotesAnalyzer, binaryFilesAnalyzer, buildScriptAnalyzer, includeAnalyzer, lintRemovedAnalyzer, oddIdentifiersAnalyzer,
  pathAttrAnalyzer, unanalysedAnalyzer,
} from './files.js';
import { decodeFeedsAnalyzer, exfiltrationAnalyzer, generatedCodeAnalyzer, literalEntropyAnalyzer, triggerAnalyzer } from './flow.js';
import { farJumpAnalyzer, staticCtorAnalyzer } from './farjump.js';
import { dosAnalyzer, limitRemovedAnalyzer } from './dos.js';
import { reachDeltaAnalyzer } from './reach.js';
import { hiddenNameAnalyzer } from './names.js';
import { secretNamesAnalyzer } from './secrets.js';
import { hiddenStringAnalyzer } from './decode.js';
import { hiddenEntryAnalyzer } from './entries.js';
import { provenanceAnalyzer } from './provenance.js';
import { ffiCapabilityAnalyzer } from './ffi-process.js';
import { nativeBuildAnalyzer } from './native-build.js';
import { nativeCodeAnalyzer } from './native-code.js';
import { buildOutputAnalyzer } from './build-output.js';
import { handoffAnalyzer } from './handoff.js';
import { defaultFlippedAnalyzer } from './defaults.js';
import { wrappingCounterAnalyzer } from './wrapping.js';
import { panicClusterAnalyzer } from './panic-cluster.js';
import { reachedSitesAnalyzer } from './reached-sites.js';
import { dependencyBuildAnalyzer, unknownDependencyAnalyzer } from './dependencies.js';

export type Analyzer = (ctx: ScanContext, rule: CompiledRule) => Match[];

/** Engine-side checks that rule files switch on by name (`match.analyzer`) and parametrize (`match.params`). */
export const ANALYZERS: Record<string, Analyzer> = {
  manifest: manifestAnalyzer,
  'build-script': buildScriptAnalyzer,
  'binary-files': binaryFilesAnalyzer,
  'archive-notes': archiveNotesAnalyzer,
  unanalysed: unanalysedAnalyzer,
  'lint-removed': lintRemovedAnalyzer,
  'odd-identifiers': oddIdentifiersAnalyzer,
  include: includeAnalyzer,
  'path-attr': pathAttrAnalyzer,
  exfiltration: exfiltrationAnalyzer,
  trigger: triggerAnalyzer,
  'decode-feeds': decodeFeedsAnalyzer,
  'literal-entropy': literalEntropyAnalyzer,
  'generated-code': generatedCodeAnalyzer,
  'far-jump': farJumpAnalyzer,
  'static-ctor': staticCtorAnalyzer,
  dos: dosAnalyzer,
  'limit-removed': limitRemovedAnalyzer,
  'reach-delta': reachDeltaAnalyzer,
  'hidden-name': hiddenNameAnalyzer,
  'secret-names': secretNamesAnalyzer,
  'hidden-string': hiddenStringAnalyzer,
  'hidden-entry': hiddenEntryAnalyzer,
  provenance: provenanceAnalyzer,
  'ffi-capability': ffiCapabilityAnalyzer,
  'native-build': nativeBuildAnalyzer,
  'native-code': nativeCodeAnalyzer,
  'build-output': buildOutputAnalyzer,
  'dependency-handoff': handoffAnalyzer,
  'default-flipped': defaultFlippedAnalyzer,
  'wrapping-counter': wrappingCounterAnalyzer,
  'panic-cluster': panicClusterAnalyzer,
  'reached-sites': reachedSitesAnalyzer,
  'dependency-unknown': unknownDependencyAnalyzer,
  'dependency-build': dependencyBuildAnalyzer,
};
