/**
 * Whether an agent's attempt is a refusal, which a model cascade hands to its strong model even
 * when nothing can judge the answer: no answer at all, a run that failed on an error (a budget
 * stop is not a refusal: a stronger model would only spend more), or an answer that opens as a
 * refusal ("I can't ...", "Sorry, I am unable ...").
 */
const refusalPattern = /^\s*(?:i\s+(?:can(?:not|'t|’t)|am\s+unable|'m\s+unable|won't|will\s+not)\b|(?:sorry|unfortunately)\b[^.]*\b(?:can(?:not|'t|’t)|unable)\b)/i;

export function isRefusal(attempt: { answer: string | null; errorCode?: string | undefined }): boolean {
  if (attempt.errorCode !== undefined && attempt.errorCode !== 'budget-exceeded') return true;
  return attempt.answer === null || attempt.answer.trim() === '' || refusalPattern.test(attempt.answer);
}
