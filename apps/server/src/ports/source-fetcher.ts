/** Brings a caller's source media (an untrusted URL) into a local file, safely. */
import type { LocalSource, SourceKind } from '../engines/engine.ts';

export interface SourceFetcher {
  /**
   * Downloads `url` into `dir` and checks it is acceptable media of `kind`. Throws an EngineError
   * with SOURCE_FETCH_FAILED, SOURCE_TOO_LARGE, SOURCE_UNSUPPORTED or SOURCE_INVALID (not retryable,
   * except for transient network failures).
   */
  fetch(url: string, kind: SourceKind, dir: string, signal: AbortSignal): Promise<LocalSource>;
}
