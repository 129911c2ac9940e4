/**
 * A judge's result for one attempt. `source` says who decided: the task's own verifier, an LLM
 * critic (no answer key), or nobody (no verifier and no critic model).
 */
export type VerdictSource = 'verifier' | 'critic' | 'none';

export interface Verdict {
  passed: boolean;
  /** In [0, 1]. */
  score: number;
  feedback: string;
  source: VerdictSource;
  /** `exact`, `regex`, `json`, `command`, `predicate`, `critic` or `none`. */
  method: string;
  /** Set when judging itself failed (the critic's reply was unusable): the step's recorded failure. */
  error?: { code: string; message: string };
}
