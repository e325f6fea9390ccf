import { threadCpuTimeMs } from '@hvcm/backbones';

/** Best wall-clock ms and mean thread-CPU ms (10 ms resolution, summed over the runs) of a timed body. */
export interface Timing {
  wall: number;
  cpu: number;
}

/**
 * Runs `body` once to warm up, then `reps` times: the best wall time and the mean CPU time of the
 * thread. `release` frees each result outside the timed window (a kernel's output, say).
 */
export function bestOf<T>(reps: number, body: () => T, release: (result: T) => void = () => undefined): Timing {
  release(body());
  let wall = Infinity;
  const cpu0 = threadCpuTimeMs() ?? 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    const result = body();
    wall = Math.min(wall, performance.now() - t0);
    release(result);
  }
  return { wall, cpu: ((threadCpuTimeMs() ?? 0) - cpu0) / reps };
}
