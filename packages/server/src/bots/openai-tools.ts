import { BotError, type BotTool } from './bot-connector.js';
import { postUpstream, readText } from './upstream-http.js';

type ToolConfig = BotTool;

export interface ToolCall {
  readonly id: string;
  readonly name: string;
  /** The model's JSON string, possibly invalid. */
  readonly arguments: string;
}

/** Plain http:// tool URLs are refused, except to 127.0.0.1 when a test says so; addresses follow the bot's allowPrivateNetwork. */
export interface ToolPolicy {
  readonly allowLoopbackHttp: boolean;
  readonly allowPrivateNetwork: boolean;
}

export const HANDOFF_TOOL = 'handoff_to_human';
const RESULT_MAX = 8000;

export function toolDefinitions(tools: readonly ToolConfig[], handoff: boolean): unknown[] {
  const defined = tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.parameters ?? { type: 'object', properties: {} },
    },
  }));
  if (!handoff) return defined;
  return [
    ...defined,
    {
      type: 'function',
      function: {
        name: HANDOFF_TOOL,
        description: 'Hand the conversation to a human agent when the visitor asks for a person or you cannot help.',
        parameters: { type: 'object', properties: { reason: { type: 'string' } } },
      },
    },
  ];
}

/**
 * Runs one tool call and returns what the model reads back. A failing tool is reported to the model
 * (it can apologise or try something else) rather than failing the whole turn.
 */
export async function callTool(
  call: ToolCall,
  tools: readonly ToolConfig[],
  policy: ToolPolicy,
  conversationId: string,
  signal: AbortSignal,
): Promise<string> {
  if (call.name === HANDOFF_TOOL) return JSON.stringify({ ok: true, note: 'A human agent was asked to take over this conversation.' });
  const tool = tools.find((t) => t.name === call.name);
  if (tool === undefined) return JSON.stringify({ error: `There is no tool named ${call.name}.` });
  let args: unknown;
  try {
    args = JSON.parse(call.arguments === '' ? '{}' : call.arguments);
  } catch {
    return JSON.stringify({ error: 'The arguments were not valid JSON; call the tool again with a JSON object.' });
  }
  if (!allowedUrl(tool.url, policy)) throw new BotError(`the tool ${tool.name} has a URL that is not HTTPS: ${tool.url}`);
  try {
    const response = await postUpstream({
      url: tool.url,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: tool.name, arguments: args, conversationId }),
      signal,
      allowPrivateNetwork: policy.allowPrivateNetwork,
      maxBytes: 1024 * 1024,
    });
    return (await readText(response, signal)).slice(0, RESULT_MAX);
  } catch (error) {
    if (signal.aborted) throw error;
    return JSON.stringify({ error: `The tool failed: ${error instanceof Error ? error.message : String(error)}` });
  }
}

function allowedUrl(url: string, policy: ToolPolicy): boolean {
  const parsed = new URL(url);
  if (parsed.protocol === 'https:') return true;
  return policy.allowLoopbackHttp && parsed.protocol === 'http:' && parsed.hostname === '127.0.0.1';
}
