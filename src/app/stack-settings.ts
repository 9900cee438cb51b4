import type { Settings } from '../contract/settings.js';
import type { ConnectionSettings, SyncConfig } from '../sync/index.js';

/**
 * How an install's settings become the sync stack's configuration: the app's connection manager and `cli preview
 * --data` read the same settings the same way. `connections` must already carry the build's defaults
 * (effectiveConnections in build-config.ts).
 */
export function connectionSettingsOf(c: Settings['connections']): ConnectionSettings {
  return {
    smokeball: {
      apiUrl: c.smokeballApiUrl,
      authUrl: c.smokeballAuthUrl,
      clientId: c.smokeballClientId,
      ratePerSecond: c.smokeballRatePerSecond,
      burst: c.smokeballBurst,
    },
    caseStatus: { apiUrl: c.caseStatusApiUrl, ratePerSecond: c.caseStatusRatePerSecond, burst: c.caseStatusBurst },
  };
}

/** The filters and mappings a run reads at its start. */
export function engineConfigOf(s: Settings): Partial<SyncConfig> {
  return {
    statuses: s.matterFilter.statuses,
    matterTypeIds: s.matterFilter.matterTypeIds,
    stageMapping: s.stageMapping,
    practiceAreaMapping: s.practiceAreaMapping,
    stageHoldMinutes: s.stageHoldMinutes,
    massChangeLimit: s.massChangeLimit,
    historyRetentionDays: s.historyRetentionDays,
  };
}
