import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { ADMIN_KEY, launchBrowser, startWidgetEnv, widget, type WidgetEnv } from '@parley/testkit';

interface Frame {
  readonly type: string;
  readonly [key: string]: unknown;
}

/** An agent on the realtime gateway (admin key + conversationId), keeping every frame it receives. */
async function agentLink(env: WidgetEnv, conversationId: string): Promise<{ socket: WebSocket; frames: Frame[] }> {
  const url = `${env.serverUrl.replace(/^http/, 'ws')}/v1/realtime/ws?token=${ADMIN_KEY}&conversationId=${conversationId}`;
  const socket = new WebSocket(url);
  const frames: Frame[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data)) as Frame));
  await new Promise<void>((done, fail) => {
    socket.once('open', () => done());
    socket.once('error', fail);
  });
  socket.send(JSON.stringify({ type: 'hello', v: 1, lastSeq: 0 }));
  await expect.poll(() => frames.some((frame) => frame.type === 'welcome')).toBe(true);
  return { socket, frames };
}

// Real Chromium against a real server on a shared machine: generous time, never a timed assertion.
describe('a human agent in the conversation', { timeout: 60_000 }, () => {
  let env: WidgetEnv;
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    [env, browser] = await Promise.all([startWidgetEnv(), launchBrowser()]);
    page = await browser.newPage();
  });
  afterAll(async () => {
    await browser?.close();
    await env?.close();
  });

  it('shows typing both ways, the read receipt, the agent reply, and the rating once the conversation is resolved', async () => {
    await page.goto(`${env.hostUrl}/script-tag.html`);
    await widget(page).launcher().click();
    await widget(page).send('hello');
    await widget(page).log().getByText('Ask me about pricing').waitFor();
    const conversationId = await page.evaluate(
      (id) =>
        (JSON.parse(localStorage.getItem(`parley:v1:${id}`) ?? '{}') as { session: { conversationId: string } }).session.conversationId,
      env.widgetId,
    );
    const agent = await agentLink(env, conversationId);

    // The visitor types: the agent sees it.
    await widget(page).composer().pressSequentially('are you a human?');
    await expect
      .poll(() => agent.frames.some((frame) => frame.type === 'typing' && (frame['author'] as { role: string }).role === 'visitor'))
      .toBe(true);
    await widget(page).composer().fill('');

    // The agent types, then reads: the widget shows both.
    agent.socket.send(JSON.stringify({ type: 'typing', active: true }));
    await page.getByRole('status', { name: /is typing/ }).waitFor();
    const lastSeq = Math.max(...agent.frames.filter((f) => f.type === 'message').map((f) => (f['message'] as { seq: number }).seq));
    agent.socket.send(JSON.stringify({ type: 'read', seq: lastSeq }));
    await widget(page).log().getByText('· Read').waitFor();

    // The agent replies (REST, as the console does), and resolves.
    await env.admin('POST', `/v1/inbox/${conversationId}/messages`, { text: 'Hi, **Ada** here. How can I help?' });
    await widget(page).log().getByText('Ada').first().waitFor();
    await expect.poll(() => page.getByRole('status', { name: /is typing/ }).count()).toBe(0);
    await env.admin('POST', `/v1/inbox/${conversationId}/resolve`, {});
    await widget(page).log().getByText('How was this conversation?').waitFor();
    await widget(page).log().getByRole('radio', { name: '5/5' }).click();
    await widget(page).log().getByRole('button', { name: 'Send' }).click();
    await widget(page).log().getByText('Thank you for your feedback!').first().waitFor();
    // Stored for the agents; the visitor is thanked instead of shown their line.
    await expect
      .poll(() => agent.frames.some((frame) => JSON.stringify(frame).includes('The visitor rated the conversation 5/5.')))
      .toBe(true);
    await expect(widget(page).log().getByText('The visitor rated the conversation 5/5.').count()).resolves.toBe(0);
    agent.socket.close();
  });

  it('offers a "new messages" jump when the visitor has scrolled up, instead of pulling them down', async () => {
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 640 } });
    await fresh.goto(`${env.hostUrl}/script-tag.html`);
    await widget(fresh).launcher().click();
    for (const question of ['hello', 'pricing?', 'what are your hours?', 'how do I install it?']) {
      await widget(fresh).send(question);
      await widget(fresh).log().getByText(question, { exact: true }).waitFor();
    }
    await widget(fresh).log().getByText('npm ci && npm start').waitFor();
    const conversationId = await fresh.evaluate(
      (id) =>
        (JSON.parse(localStorage.getItem(`parley:v1:${id}`) ?? '{}') as { session: { conversationId: string } }).session.conversationId,
      env.widgetId,
    );
    await widget(fresh)
      .log()
      .evaluate((log) => log.scrollTo({ top: 0 }));
    await env.admin('POST', `/v1/inbox/${conversationId}/messages`, { text: 'Still there? I can help with the set-up.' });
    const jump = fresh.getByRole('button', { name: /New messages/ });
    await jump.waitFor();
    await expect(
      widget(fresh)
        .log()
        .evaluate((log) => log.scrollTop),
    ).resolves.toBe(0);
    await jump.click();
    await expect
      .poll(() =>
        widget(fresh)
          .log()
          .evaluate((log) => log.scrollHeight - log.scrollTop - log.clientHeight),
      )
      .toBeLessThan(2);
    await expect(jump.count()).resolves.toBe(0);
    await fresh.close();
  });
});
