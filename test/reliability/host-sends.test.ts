import { describe, expect, it } from 'vitest';
import { judgeHostSends, type AppStart } from '../../src/testbed/host-sends.js';

/** The soak's check that only the sync host spends the firm's Smokeball budget (src/testbed/host-sends.ts). */
const SB = 'smokeball.test:1';
const send = (created: number, method = 'GET', path = '/matters', host = SB) => ({ host, method, path, created });

function start(roles: Array<[number, string]>, sends: AppStart['sends'], signIns: AppStart['signIns'] = []): AppStart {
  return { install: 'PC-A', start: 1, roles: roles.map(([at, role]) => ({ at, role })), sends, signIns };
}

describe('judgeHostSends', () => {
  it("counts a request as the host's when the view before or after it said host", () => {
    // Became host at ~1,000 (view pushed at 1,050): a request at 1,020 already belongs to the host.
    const judged = judgeHostSends(
      [
        start(
          [
            [0, 'standby'],
            [1_050, 'host'],
          ],
          [send(1_020), send(2_000)],
        ),
      ],
      new Set([SB]),
    );
    expect(judged.byInstall['PC-A']).toEqual({ asHost: 2, signIn: 0, asStandby: 0 });
    expect(judged.standbySends).toEqual([]);
  });

  it('flags a request sent while the views on both sides said standby', () => {
    const judged = judgeHostSends(
      [
        start(
          [
            [0, 'host'],
            [1_000, 'standby'],
            [3_000, 'standby'],
          ],
          [send(500), send(2_000, 'POST', '/matters/m1/memos')],
        ),
      ],
      new Set([SB]),
    );
    expect(judged.byInstall['PC-A']).toEqual({ asHost: 1, signIn: 0, asStandby: 1 });
    expect(judged.standbySends).toHaveLength(1);
    expect(judged.standbySends[0]).toContain('POST /matters/m1/memos');
  });

  it("allows a standby only its sign-in's token exchange and GET /firm, and only while it signs in", () => {
    const judged = judgeHostSends(
      [
        start(
          [[0, 'standby']],
          [send(1_100, 'POST', '/oauth2/token'), send(1_200, 'GET', '/firm'), send(9_000, 'GET', '/firm'), send(1_300, 'GET', '/matters')],
          [{ from: 1_000, to: 2_000 }],
        ),
      ],
      new Set([SB]),
    );
    expect(judged.byInstall['PC-A']).toEqual({ asHost: 0, signIn: 2, asStandby: 2 });
  });

  it('ignores requests to other services (relay, Case Status)', () => {
    const judged = judgeHostSends([start([[0, 'standby']], [send(100, 'GET', '/v1/lease', 'relay.test:2')])], new Set([SB]));
    expect(judged.byInstall['PC-A']).toEqual({ asHost: 0, signIn: 0, asStandby: 0 });
    expect(judged.standbySends).toEqual([]);
  });
});
