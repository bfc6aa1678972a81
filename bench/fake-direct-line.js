// A Direct Line stand-in for Web Chat in the load bench, serialized into the page with
// `(${fakeDirectLine})(greeting)`, so it may use nothing from this module's scope. Web Chat takes any
// object with the DirectLineJS shape (`renderWebChat({ directLine })`): `connectionStatus$` and
// `activity$` observables (anything whose `subscribe(observer)` returns `{ unsubscribe }`),
// `postActivity(activity)` returning an observable of the new activity's id, and `end()`. Like the
// other rows' first message (Parley's greeting from its config, @n8n/chat's `initialMessages`), the
// greeting costs no network: the connection goes Uninitialized → Connecting → Online (0 → 1 → 2, as
// DirectLineJS does once `activity$` is subscribed) and the bot's message follows at once.
export function fakeDirectLine(greeting) {
  let sequence = 0;
  const conversation = { id: 'bench' };
  const bot = { id: 'bot', role: 'bot' };

  // A hot subject that hands a new observer what it missed: the current value for the connection status
  // (a BehaviorSubject), the whole conversation so far for activities (what Direct Line serves a client
  // that connects to a conversation the bot already spoke in). Web Chat subscribes `activity$` twice —
  // once to start the connection, once, when it is Online, to read activities — so a greeting sent
  // between the two would otherwise be lost; it upserts activities by id, so a replay never doubles one.
  const subject = ({ keep, initial, onFirstSubscribe }) => {
    const observers = new Set();
    const history = initial === undefined ? [] : [initial];
    let started = false;
    return {
      next(value) {
        if (keep === 'last') history.length = 0;
        history.push(value);
        for (const observer of [...observers]) observer.next?.(value);
      },
      observable: {
        subscribe(observerOrNext) {
          const observer = typeof observerOrNext === 'function' ? { next: observerOrNext } : observerOrNext;
          observers.add(observer);
          for (const value of history) observer.next?.(value);
          if (!started) {
            started = true;
            onFirstSubscribe?.();
          }
          return {
            closed: false,
            unsubscribe() {
              this.closed = true;
              observers.delete(observer);
            },
          };
        },
      },
    };
  };
  // One value then completion, as DirectLineJS's postActivity answers with the activity's id.
  const single = (value) => ({
    subscribe(observerOrNext) {
      const observer = typeof observerOrNext === 'function' ? { next: observerOrNext } : observerOrNext;
      queueMicrotask(() => {
        observer.next?.(value);
        observer.complete?.();
      });
      return { closed: false, unsubscribe() {} };
    },
  });
  const stamp = (activity) => ({
    ...activity,
    id: `bench-${++sequence}`,
    conversation,
    channelId: 'webchat',
    timestamp: new Date().toISOString(),
  });

  const status = subject({ keep: 'last', initial: 0 });
  const activities = subject({
    keep: 'all',
    onFirstSubscribe: () =>
      queueMicrotask(() => {
        status.next(1);
        status.next(2);
        activities.next(stamp({ type: 'message', from: bot, text: greeting }));
      }),
  });
  return {
    connectionStatus$: status.observable,
    activity$: activities.observable,
    postActivity(activity) {
      // Direct Line echoes what the user sends; Web Chat marks the message sent when the echo arrives.
      const echoed = stamp(activity);
      queueMicrotask(() => activities.next(echoed));
      return single(echoed.id);
    },
    end() {
      status.next(5);
    },
  };
}
