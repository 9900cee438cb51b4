/**
 * Who spent the firm's Smokeball budget: each app start's Smokeball requests (from its send trace) judged against
 * the role that start showed in its window at the time. Only the sync host may send; a standby may only sign in.
 * All times are wall-clock ms of this machine (the app's trace and the soak's view log share the clock).
 */
export interface RoleSample {
  /** When the soak received the view. */
  at: number;
  role: string;
}

export interface TracedSend {
  host: string;
  method: string;
  path: string;
  created: number;
}

export interface AppStart {
  install: string;
  start: number;
  /** Every view's role, in arrival order. */
  roles: RoleSample[];
  sends: TracedSend[];
  /** From the soak pressing "Sign in" until shortly after the window showed it signed in. */
  signIns: Array<{ from: number; to: number }>;
}

export interface HostSends {
  byInstall: Record<string, { asHost: number; signIn: number; asStandby: number }>;
  /** Requests a start sent while it was not the host, outside sign-in: each one breaks the promise. */
  standbySends: string[];
}

/**
 * A request counts as the host's when the view before it or the view after it said host: the app changes role
 * before it pushes the view, so a request in between belongs to the new role; a standby shows standby on both sides.
 */
export function judgeHostSends(starts: AppStart[], smokeballHosts: ReadonlySet<string>): HostSends {
  const byInstall: HostSends['byInstall'] = {};
  const standbySends: string[] = [];
  for (const s of starts) {
    const counts = (byInstall[s.install] ??= { asHost: 0, signIn: 0, asStandby: 0 });
    for (const send of s.sends) {
      if (!smokeballHosts.has(send.host)) continue;
      const t = send.created;
      if (roleBefore(s.roles, t) === 'host' || roleAfter(s.roles, t) === 'host') {
        counts.asHost += 1;
        continue;
      }
      const inSignIn = s.signIns.some((w) => t >= w.from && t <= w.to);
      if (inSignIn && (send.path.startsWith('/oauth2/') || (send.method === 'GET' && send.path === '/firm'))) {
        counts.signIn += 1;
        continue;
      }
      counts.asStandby += 1;
      standbySends.push(`${s.install} start ${s.start}: ${send.method} ${send.path} at ${new Date(t).toISOString()} as ${roleBefore(s.roles, t)}`);
    }
  }
  return { byInstall, standbySends };
}

function roleBefore(roles: RoleSample[], t: number): string {
  let role = 'starting';
  for (const r of roles) {
    if (r.at > t) break;
    role = r.role;
  }
  return role;
}

function roleAfter(roles: RoleSample[], t: number): string | undefined {
  return roles.find((r) => r.at >= t)?.role;
}
