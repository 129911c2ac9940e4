import type { Store } from '../../store/types.ts';
import { initialOperator } from './rebuild-database.ts';

/**
 * The line a run stops with when its initial program cannot be scored and nothing can repair it:
 * the failure's kind and message, which quotes the evaluator's last line of stderr
 * ("can't open file", "SyntaxError", "spawn pyhton3 ENOENT"), so the cause is on the screen.
 */
export async function initialFailureMessage(store: Store, runId: string): Promise<string> {
  const [first] = await store.listProgramSummaries(runId, { limit: 1 });
  const failure = first !== undefined && first.operator === initialOperator ? first.failure : null;
  if (failure === null) return 'the initial program failed its evaluation and no repair operator can run';
  return `the initial program failed its evaluation (${failure.kind}: ${failure.message}) and no repair operator can run`;
}
