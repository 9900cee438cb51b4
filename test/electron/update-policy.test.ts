import { describe, expect, it } from 'vitest';
import { selfUpdates } from '../../electron/update-policy.js';

describe('which installs update themselves', () => {
  const env = { ProgramFiles: 'C:\\Program Files', 'ProgramFiles(x86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\ana\\AppData\\Local' };

  it('the NSIS per-user install (under the user profile) does', () => {
    expect(selfUpdates('win32', 'C:\\Users\\ana\\AppData\\Local\\Programs\\Case Status Sync\\Case Status Sync.exe', env)).toBe(true);
  });

  it('the MSI per-machine install (under Program Files, any case) does not: IT pushes new versions', () => {
    expect(selfUpdates('win32', 'C:\\Program Files\\Case Status Sync\\Case Status Sync.exe', env)).toBe(false);
    expect(selfUpdates('win32', 'c:\\program files (x86)\\Case Status Sync\\Case Status Sync.exe', env)).toBe(false);
  });

  it('a folder that merely starts with the same letters is not Program Files', () => {
    expect(selfUpdates('win32', 'C:\\Program Files Extra\\Case Status Sync.exe', env)).toBe(true);
  });

  it('macOS and Linux builds do', () => {
    expect(selfUpdates('darwin', '/Applications/Case Status Sync.app/Contents/MacOS/Case Status Sync', {})).toBe(true);
    expect(selfUpdates('linux', '/opt/case-status-sync/case-status-sync', {})).toBe(true);
  });
});
