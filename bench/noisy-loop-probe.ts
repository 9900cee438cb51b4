/**
 * Preloaded into the relay process by the noisy-neighbour phase (`node --import ./bench/noisy-loop-probe.ts`):
 * measures the relay's own event-loop delay and utilisation, so a run can tell time the relay's loop was
 * blocked from time the requests spent waiting for a CPU on a shared machine. Writes one JSON line to the file
 * named by NOISY_LOOP_PROBE_FILE when the process exits.
 */
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const file = process.env.NOISY_LOOP_PROBE_FILE;
if (file) {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const startCpu = process.cpuUsage();
  const startElu = performance.eventLoopUtilization();
  const startedAt = performance.now();
  process.once('exit', () => {
    delay.disable();
    const cpu = process.cpuUsage(startCpu);
    const elu = performance.eventLoopUtilization(startElu);
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    writeFileSync(
      file,
      `${JSON.stringify({
        loopDelayP50Ms: ms(delay.percentile(50)),
        loopDelayP99Ms: ms(delay.percentile(99)),
        loopDelayMaxMs: ms(delay.max),
        eventLoopUtilization: Math.round(elu.utilization * 1000) / 1000,
        cpuSeconds: Math.round((cpu.user + cpu.system) / 1e4) / 100,
        wallSeconds: Math.round((performance.now() - startedAt) / 10) / 100,
      })}\n`,
    );
  });
}
