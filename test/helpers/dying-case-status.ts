import type { CaseStatusClient } from '../../src/sync/casestatus/client.js';

/**
 * A Case Status client whose next case upsert reaches Case Status and is applied, after which the process "dies":
 * the call throws before the engine can record the answer (a crash, or a sync host SIGKILLed between the request
 * and its record). Later upserts pass through.
 */
export function dyingAfterNextCaseWrite(cs: CaseStatusClient): CaseStatusClient {
  let armed = true;
  return new Proxy(cs, {
    get(target, prop, receiver) {
      if (prop !== 'upsertCases') return Reflect.get(target, prop, receiver) as unknown;
      return async (...args: Parameters<CaseStatusClient['upsertCases']>) => {
        const results = await target.upsertCases(...args);
        if (armed) {
          armed = false;
          throw new Error('the process was killed before it recorded the answer');
        }
        return results;
      };
    },
  });
}
