// The live channel, WebSocket /api/live: one connection while someone is logged in, reconnected
// with growing pauses after a drop, and messages handed to whoever subscribed to their type.
// No DOM here: the WebSocket class and the timers are passed in, so tests/live.test.mjs runs it
// in node with fakes.

const FIRST_DELAY_MS = 1000;
const MAX_DELAY_MS = 30000;
const PING_EVERY_MS = 25000;
// A connection that has said nothing for this long is taken as dead (a proxy or a laptop lid
// can leave a socket that never reports its end) and replaced.
const SILENCE_LIMIT_MS = 70000;

/**
 * Milliseconds to wait before reconnection attempt number `attempt` (0 = the first after a
 * drop): 1 s, 2 s, 4 s ... up to 30 s, with a random part so that all the consoles of a team do
 * not knock at the same moment after a server restart.
 */
export function reconnectDelay(attempt, random = Math.random) {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.max(0, attempt));
  return Math.round(base * (0.75 + 0.5 * random()));
}

/** ws://host/api/live, or wss:// when the console was loaded over https. */
export function liveUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/live`;
}

/**
 * Handlers by message type. `on(type, handler)` returns a function that unsubscribes;
 * `dispatch(text)` parses one message and calls the handlers of its type, then those of "*".
 * A message that is not JSON, or has no type, is dropped (and reported by `dispatch`'s answer).
 */
export function createDispatcher({ onHandlerError = (error) => console.error(error) } = {}) {
  const handlers = new Map();
  return {
    on(type, handler) {
      if (!handlers.has(type)) handlers.set(type, new Set());
      handlers.get(type).add(handler);
      return () => handlers.get(type)?.delete(handler);
    },
    /** Returns the number of handlers called, or -1 for an unreadable message. */
    dispatch(text) {
      let message;
      try {
        message = typeof text === 'string' ? JSON.parse(text) : text;
      } catch {
        return -1;
      }
      if (!message || typeof message !== 'object' || typeof message.type !== 'string') return -1;
      return this.emit(message.type, message);
    },
    emit(type, message) {
      let called = 0;
      for (const key of [type, '*']) {
        for (const handler of [...(handlers.get(key) || [])]) {
          called += 1;
          try {
            handler(message);
          } catch (error) {
            onHandlerError(error);
          }
        }
      }
      return called;
    },
  };
}

/**
 * The connection. `start()` opens it (after login), `stop()` closes it for good (logout).
 * Subscribers get the server's messages by type, and three of the channel's own:
 *   {type: "live.status", state: "connecting" | "open" | "closed"}
 *   {type: "live.resync"}: the connection is back after a drop (or the server said "resync");
 *   whatever was shown may have
 *   missed messages and should be read again.
 */
export function createLiveChannel({
  url,
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
  random = Math.random,
  now = () => Date.now(),
}) {
  const dispatcher = createDispatcher();
  // The server's own "resync" (this console fell behind, or the server missed notices): views
  // reload as after a reconnect.
  dispatcher.on('resync', () => dispatcher.emit('live.resync', { type: 'live.resync' }));
  let socket = null;
  let running = false;
  let attempt = 0;
  let everOpened = false;
  let reconnectTimer = null;
  let pingTimer = null;
  let lastHeard = 0;
  let state = 'closed';

  const setState = (next) => {
    if (next === state) return;
    state = next;
    dispatcher.emit('live.status', { type: 'live.status', state });
  };

  function connect() {
    reconnectTimer = null;
    if (!running) return;
    setState('connecting');
    let ws;
    try {
      ws = new WebSocketImpl(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      lastHeard = now();
      const wasReconnect = everOpened;
      everOpened = true;
      attempt = 0;
      setState('open');
      startPings(ws);
      if (wasReconnect) dispatcher.emit('live.resync', { type: 'live.resync' });
    };
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      lastHeard = now();
      dispatcher.dispatch(event.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      dropSocket();
      scheduleReconnect();
    };
    // An error is always followed by a close, which does the work.
    ws.onerror = () => {};
  }

  function startPings(ws) {
    stopPings();
    pingTimer = timers.setInterval(() => {
      if (socket !== ws) return;
      if (now() - lastHeard > SILENCE_LIMIT_MS) {
        dropSocket();
        try {
          ws.close();
        } catch {
          // already closing
        }
        scheduleReconnect();
        return;
      }
      send({ type: 'ping' });
    }, PING_EVERY_MS);
  }

  function stopPings() {
    if (pingTimer !== null) timers.clearInterval(pingTimer);
    pingTimer = null;
  }

  function dropSocket() {
    stopPings();
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = socket.onerror = null;
    }
    socket = null;
  }

  function scheduleReconnect() {
    if (!running || reconnectTimer !== null) return;
    setState('closed');
    reconnectTimer = timers.setTimeout(connect, reconnectDelay(attempt, random));
    attempt += 1;
  }

  function send(message) {
    if (!socket || socket.readyState !== 1) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  return {
    on: (type, handler) => dispatcher.on(type, handler),
    send,
    get state() {
      return state;
    },
    start() {
      if (running) return;
      running = true;
      attempt = 0;
      everOpened = false;
      connect();
    },
    stop() {
      running = false;
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      const ws = socket;
      dropSocket();
      try {
        ws?.close();
      } catch {
        // already closed
      }
      setState('closed');
    },
  };
}
