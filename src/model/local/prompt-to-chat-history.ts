import type {
  LanguageModelV4FilePart,
  LanguageModelV4Prompt,
  LanguageModelV4ToolResultOutput,
  SharedV4Warning,
} from '@ai-sdk/provider';
import type { ChatHistoryItem } from 'node-llama-cpp';

/**
 * Turns an AI SDK prompt into node-llama-cpp chat history, ending with an empty (or prefilled)
 * model turn for the model to complete. The model's own chat template (from the GGUF) is
 * applied later by node-llama-cpp's chat wrapper.
 *
 * Local models here do not use native tool calling, so tool calls and results already in the
 * conversation are written out as text the model can read.
 */
export function promptToChatHistory(prompt: LanguageModelV4Prompt): {
  history: ChatHistoryItem[];
  warnings: SharedV4Warning[];
} {
  const history: ChatHistoryItem[] = [];
  const warnings: SharedV4Warning[] = [];
  const warnOnce = (feature: string, details: string): void => {
    if (!warnings.some((warning) => warning.type === 'unsupported' && warning.feature === feature)) {
      warnings.push({ type: 'unsupported', feature, details });
    }
  };

  for (const message of prompt) {
    switch (message.role) {
      case 'system':
        history.push({ type: 'system', text: message.content });
        break;
      case 'user': {
        const parts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') {
            parts.push(part.text);
            continue;
          }
          const text = fileText(part);
          if (text !== undefined) {
            parts.push(part.filename === undefined ? text : `File ${part.filename}:\n${text}`);
          } else {
            warnOnce('file parts', 'local models read text only; non-text files are replaced by a placeholder');
            parts.push(`[file${part.filename === undefined ? '' : ` ${part.filename}`} (${part.mediaType}) omitted]`);
          }
        }
        appendUser(history, parts.join('\n'));
        break;
      }
      case 'assistant': {
        const parts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'text') parts.push(part.text);
          else if (part.type === 'tool-call') {
            parts.push(`Tool call ${part.toolName} (${part.toolCallId}): ${stringify(part.input)}`);
          } else if (part.type === 'tool-result') {
            parts.push(`Tool result ${part.toolName} (${part.toolCallId}): ${toolOutputText(part.output)}`);
          }
          // Reasoning and files from earlier turns are not replayed: the model would take them as its answer.
        }
        history.push({ type: 'model', response: [parts.join('\n')] });
        break;
      }
      case 'tool': {
        const parts: string[] = [];
        for (const part of message.content) {
          if (part.type === 'tool-result') {
            parts.push(`Tool result ${part.toolName} (${part.toolCallId}): ${toolOutputText(part.output)}`);
          } else {
            parts.push(`Tool approval ${part.approvalId}: ${part.approved ? 'approved' : 'denied'}${part.reason === undefined ? '' : ` (${part.reason})`}`);
          }
        }
        appendUser(history, parts.join('\n'));
        break;
      }
    }
  }

  // A trailing model turn is a prefill to continue; otherwise open an empty one.
  const last = history.at(-1);
  if (last?.type !== 'model') history.push({ type: 'model', response: [] });
  return { history, warnings };
}

/** Consecutive user-side messages (a tool result, then a user note) become one turn. */
function appendUser(history: ChatHistoryItem[], text: string): void {
  const last = history.at(-1);
  if (last?.type === 'user') last.text = `${last.text}\n\n${text}`;
  else history.push({ type: 'user', text });
}

/** The contents of a text file part (inline text, or `text/*` bytes); undefined for anything else. */
function fileText(part: LanguageModelV4FilePart): string | undefined {
  if (part.data.type === 'text') return part.data.text;
  if (part.data.type !== 'data' || !/^(text\/|application\/json)/.test(part.mediaType)) return undefined;
  const bytes = typeof part.data.data === 'string' ? Buffer.from(part.data.data, 'base64') : part.data.data;
  return new TextDecoder().decode(bytes);
}

function toolOutputText(output: LanguageModelV4ToolResultOutput): string {
  switch (output.type) {
    case 'text':
      return output.value;
    case 'error-text':
      return `error: ${output.value}`;
    case 'json':
      return stringify(output.value);
    case 'error-json':
      return `error: ${stringify(output.value)}`;
    case 'execution-denied':
      return `execution denied${output.reason === undefined ? '' : `: ${output.reason}`}`;
    case 'content':
      return output.value.map((item) => (item.type === 'text' ? item.text : '[non-text content omitted]')).join('\n');
  }
}

function stringify(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
