import { win32 } from 'node:path';

/**
 * Whether this install updates itself. The NSIS per-user install does (electron-updater). The MSI is a per-machine
 * install in Program Files, deployed by Group Policy or Intune: IT pushes each version, a standard user could not
 * replace files there anyway, and a self-update would fight the deployment tool. It is told apart by where it runs.
 */
export function selfUpdates(platform: NodeJS.Platform, execPath: string, env: NodeJS.ProcessEnv): boolean {
  if (platform !== 'win32') return true;
  const exe = win32.resolve(execPath).toLowerCase();
  for (const root of [env.ProgramFiles, env['ProgramFiles(x86)'], env.ProgramW6432]) {
    if (root && exe.startsWith(`${win32.resolve(root).toLowerCase()}\\`)) return false;
  }
  return true;
}
