import type { TrajectoryStep } from '../store/types.ts';

/**
 * A trajectory as text for the critic and the reflector. It is wrapped in markers and described as
 * data: whatever a tool returned or the agent wrote, it is a record to analyse, never an
 * instruction to the learner (and the gate checks every proposal anyway).
 */
export function renderTranscript(steps: readonly TrajectoryStep[], maxChars = 8000): string {
  const lines: string[] = [];
  for (const step of steps) {
    const data = step.data;
    switch (step.type) {
      case 'model-call': {
        const text = typeof data['text'] === 'string' ? data['text'] : '';
        if (text.trim() !== '') lines.push(`assistant: ${text.trim()}`);
        break;
      }
      case 'tool-call':
        lines.push(`tool call ${String(data['name'])}(${JSON.stringify(data['input'] ?? null)})`);
        break;
      case 'tool-result': {
        const content = typeof data['content'] === 'string' ? data['content'] : typeof data['preview'] === 'string' ? data['preview'] : '';
        lines.push(`tool result ${String(data['name'])}${data['isError'] === true ? ' (error)' : ''}: ${content}`);
        break;
      }
      case 'guardrail-blocked':
        lines.push(`blocked by guardrail ${String(data['guardrail'])}: ${String(data['reason'])}`);
        break;
      case 'skill-activated':
        lines.push(`activated skill ${String(data['name'])}`);
        break;
      case 'answer':
        lines.push(`final answer: ${String(data['answer'])}`);
        break;
      case 'error':
        lines.push(`error: ${String(data['message'])}`);
        break;
      default:
        break;
    }
  }
  const text = lines.join('\n');
  if (text.length <= maxChars) return text;
  // Keep the start (what was tried first) and the end (how it finished).
  const half = Math.floor(maxChars / 2);
  return `${text.slice(0, half)}\n[... ${text.length - maxChars} characters left out ...]\n${text.slice(-half)}`;
}

export function asData(label: string, text: string): string {
  const safe = text.replace(/<(\/?)(trajectory|task)/gi, '<\u200b$1$2');
  return `<${label}>\n${safe}\n</${label}>`;
}
