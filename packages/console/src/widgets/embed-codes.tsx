import { CopyButton } from '../ui/feedback.js';

/** The four ways to put a widget on a page (docs/embedding.md), each ready to paste. */
function embedSnippets(origin: string, widgetId: string): readonly { readonly title: string; readonly code: string }[] {
  return [
    { title: 'Script tag', code: `<script async src="${origin}/widget.js" data-parley-widget="${widgetId}"></script>` },
    {
      title: 'npm: mount()',
      code: `// npm install @parley/widget\nimport { mount } from '@parley/widget';\n\nmount({ server: '${origin}', widgetId: '${widgetId}' });`,
    },
    {
      title: 'iframe',
      code: `<iframe src="${origin}/embed/${widgetId}" title="Chat" style="border:0;width:400px;height:640px"></iframe>`,
    },
    {
      title: 'Web component <parley-chat>',
      code: `<script async src="${origin}/widget.js"></script>\n<parley-chat widget="${widgetId}" server="${origin}"></parley-chat>`,
    },
  ];
}

export function EmbedCodes(props: { widgetId: string }) {
  return (
    <section class="card" aria-labelledby="embed-title">
      <h2 id="embed-title">Embed code</h2>
      {embedSnippets(location.origin, props.widgetId).map((snippet) => (
        <div class="snippet">
          <div class="snippet-head">
            <h3>{snippet.title}</h3>
            <CopyButton text={snippet.code} label={`Copy the ${snippet.title} embed code`} />
          </div>
          <pre tabIndex={0} aria-label={`${snippet.title} embed code`}>
            <code>{snippet.code}</code>
          </pre>
        </div>
      ))}
    </section>
  );
}
