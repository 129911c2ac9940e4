import { describe, expect, it } from 'vitest';
import { promptToChatHistory } from '../../../src/model/local/prompt-to-chat-history.ts';

describe('promptToChatHistory', () => {
  it('maps a conversation with tool traffic to turns and opens a model turn to complete', () => {
    const { history, warnings } = promptToChatHistory([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', text: 'hidden thoughts' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'tool',
        content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { type: 'json', value: { celsius: 21 } } }],
      },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'And tomorrow?' },
          { type: 'file', data: { type: 'data', data: 'aGk=' }, mediaType: 'image/png' },
          {
            type: 'file',
            filename: 'notes.txt',
            data: { type: 'data', data: Buffer.from('rain later').toString('base64') },
            mediaType: 'text/plain',
          },
          { type: 'file', data: { type: 'text', text: 'inline text' }, mediaType: 'text/markdown' },
        ],
      },
    ]);
    expect(history).toEqual([
      { type: 'system', text: 'Be brief.' },
      { type: 'user', text: 'Weather in Paris?' },
      { type: 'model', response: ['Checking.\nTool call weather (c1): {"city":"Paris"}'] },
      {
        type: 'user',
        text: 'Tool result weather (c1): {"celsius":21}\n\nAnd tomorrow?\n[file (image/png) omitted]\nFile notes.txt:\nrain later\ninline text',
      },
      { type: 'model', response: [] },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported', feature: 'file parts' })]);
  });

  it('continues a trailing assistant message instead of opening a new turn', () => {
    const { history } = promptToChatHistory([
      { role: 'user', content: [{ type: 'text', text: 'Start a list.' }] },
      { role: 'assistant', content: [{ type: 'text', text: '1.' }] },
    ]);
    expect(history.at(-1)).toEqual({ type: 'model', response: ['1.'] });
    expect(history).toHaveLength(2);
  });
});
