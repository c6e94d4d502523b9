// The phone protocol (mobile-api/README.md) over one WebSocket at /mobile/v1/ws: hello with
// the device token, then the outbox's batches, reports, answers and the group leader's task
// reports, each resent after every reconnect until the server acknowledges it, and the server's task and alerts handed on.
// Reconnects with growing pauses (1 s … 30 s, with jitter), at once when asked (the browser
// came back online), and takes 70 s of silence as a dead socket.
// No DOM here: the WebSocket class, timers and clock are passed in, so
// tests/phone-session.test.mjs runs it in node with fakes.

import { createDispatcher, reconnectDelay } from '../live.js';

/** Refusals of the device itself: reconnecting cannot help, the volunteer needs a new link. */
export const DEVICE_REFUSALS = ['device_revoked', 'device_unknown', 'account_disabled'];

const PROTOCOL = 1;
const TICK_MS = 5000; // batches are sealed and sent, and the connection checked, this often
const PING_EVERY_MS = 25000;
const SILENCE_LIMIT_MS = 70000;
const WELCOME_LIMIT_MS = 20000; // from opening the socket to welcome
const BATCHES_IN_FLIGHT = 16; // sent and not yet acknowledged, on one connection
const RETRY_AFTER_MS = 10000; // after storage_unavailable

/** ws://host/mobile/v1/ws, or wss:// when the page was loaded over https. */
export function phoneSocketUrl(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/mobile/v1/ws`;
}

/**
 * The session. `start()` connects and keeps reconnecting; `stop()` closes for good.
 * Subscribers (`on(type, handler)`) get the server's messages by type (welcome, task, alert,
 * ack, report_ack, answer_ack, task_status_ack, error, pong) after the session has dealt with
 * them, and {type: "state", state, refusal}: state is "connecting" (the first attempt), "online"
 * (after welcome), "offline" (waiting to reconnect) or "stopped" (refusal: one of
 * DEVICE_REFUSALS, or null after stop()).
 */
export function createPhoneSession({
  url,
  getToken,
  outbox,
  app = 'sweep-web-phone 1',
  WebSocketImpl = globalThis.WebSocket,
  timers = globalThis,
  random = Math.random,
  now = () => Date.now(),
}) {
  const dispatcher = createDispatcher();
  let socket = null;
  let running = false;
  let ready = false; // welcome received on this socket
  let attempt = 0;
  let reconnectTimer = null;
  let tickTimer = null;
  let openedAt = 0;
  let lastHeard = 0;
  let lastPing = 0;
  let pingId = 0;
  let state = 'offline';
  let refusal = null;
  // What was sent on this connection and awaits its answer; cleared on every new connection,
  // since after a reconnect everything unacknowledged is sent again.
  const batchesInFlight = new Set();
  const reportsSent = new Set();
  const answersSent = new Map(); // alert_id → versions sent, in order (acks come in order)
  // task_id → id of the report on it sent and not yet answered: one at a time per task, so
  // "done" never overtakes "in progress", and an answer (which names only the task) is matched.
  const taskReportsSent = new Map();
  const retryAt = new Map(); // "b<seq>", "r<id>", "a<id>", "t<task_id>" → not before this time
  const readsOwed = new Set();
  let pumping = false;
  let pumpAgain = false;
  let inbound = Promise.resolve();

  const setState = (next) => {
    if (next === state) return;
    state = next;
    dispatcher.emit('state', { type: 'state', state, refusal });
  };

  const waiting = (key) => (retryAt.get(key) || 0) > now();

  function send(message) {
    if (!socket || socket.readyState !== 1) return false;
    try {
      socket.send(JSON.stringify(message));
      return true;
    } catch {
      return false;
    }
  }

  function connect() {
    reconnectTimer = null;
    if (!running) return;
    // Retries after a failure stay "offline": the status does not blink at every attempt.
    if (state !== 'offline') setState('connecting');
    let ws;
    try {
      ws = new WebSocketImpl(url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    openedAt = now();
    lastHeard = now();
    ws.onopen = () => {
      if (socket !== ws) return;
      lastHeard = now();
      send({ type: 'hello', protocol: PROTOCOL, device_token: getToken(), app });
    };
    ws.onmessage = (event) => {
      if (socket !== ws) return;
      lastHeard = now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!message || typeof message.type !== 'string') return;
      // One message at a time, in order: an ack must not overtake the refusal before it.
      inbound = inbound.then(() => (socket === ws ? handle(message) : null)).catch((error) => console.error(error));
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      dropSocket();
      scheduleReconnect();
    };
    // An error is always followed by a close, which does the work.
    ws.onerror = () => {};
  }

  function dropSocket() {
    const ws = socket;
    socket = null;
    ready = false;
    batchesInFlight.clear();
    reportsSent.clear();
    answersSent.clear();
    taskReportsSent.clear();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close();
      } catch {
        // already closing
      }
    }
  }

  function scheduleReconnect() {
    if (!running || reconnectTimer !== null) return;
    setState('offline');
    reconnectTimer = timers.setTimeout(connect, reconnectDelay(attempt, random));
    attempt += 1;
  }

  function tick() {
    if (!running) return;
    if (socket && !ready && now() - openedAt > WELCOME_LIMIT_MS) {
      dropSocket();
      scheduleReconnect();
      return;
    }
    if (!ready) return;
    // A proxy or a sleeping radio can leave a socket that never reports its end.
    if (now() - lastHeard > SILENCE_LIMIT_MS) {
      dropSocket();
      scheduleReconnect();
      return;
    }
    if (now() - lastPing >= PING_EVERY_MS) ping();
    if (outbox.counts().looseFixes > 0) outbox.sealAll().catch((error) => console.error(error));
    pump();
  }

  function ping() {
    pingId += 1;
    lastPing = now();
    send({ type: 'ping', id: pingId });
  }

  /** Sends what waits in the outbox and was not sent on this connection yet, oldest first. */
  async function pump() {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        if (!ready) return;
        for (const report of outbox.pendingReports()) {
          if (reportsSent.has(report.id) || waiting(`r${report.id}`)) continue;
          if (!send({ type: 'report', ...report })) return;
          reportsSent.add(report.id);
        }
        for (const record of outbox.pendingAnswers()) {
          const sent = answersSent.get(record.alert_id) || [];
          if (sent.includes(record.version) || waiting(`a${record.alert_id}`)) continue;
          const message = { type: 'alert_answer', alert_id: record.alert_id, answer: record.answer };
          if (record.eta) message.eta = record.eta;
          if (!send(message)) return;
          answersSent.set(record.alert_id, [...sent, record.version]);
        }
        const taskSeen = new Set();
        for (const record of outbox.pendingTaskStatuses()) {
          // Only the oldest report on each task goes out; the next one after its answer.
          if (taskSeen.has(record.task_id)) continue;
          taskSeen.add(record.task_id);
          if (taskReportsSent.has(record.task_id) || waiting(`t${record.task_id}`)) continue;
          const message = { type: 'task_status', task_id: record.task_id, status: record.status };
          if (record.reason) message.reason = record.reason;
          if (!send(message)) return;
          taskReportsSent.set(record.task_id, record.id);
        }
        for (const seq of outbox.batchSeqs()) {
          if (batchesInFlight.size >= BATCHES_IN_FLIGHT) break;
          if (batchesInFlight.has(seq) || waiting(`b${seq}`)) continue;
          const batch = await outbox.getBatch(seq);
          // Acknowledged, or the connection changed, while it was read.
          if (!ready || !batch || batchesInFlight.has(seq)) {
            pumpAgain = ready;
            break;
          }
          if (!send({ type: 'positions', seq: batch.seq, fixes: batch.fixes })) return;
          batchesInFlight.add(seq);
        }
      } while (pumpAgain);
    } finally {
      pumping = false;
    }
  }

  async function handle(message) {
    switch (message.type) {
      case 'welcome':
        ready = true;
        attempt = 0;
        lastPing = now();
        retryAt.clear();
        refusal = null;
        setState('online');
        dispatcher.emit('welcome', message);
        for (const alertId of readsOwed) send({ type: 'alert_read', alert_id: alertId });
        readsOwed.clear();
        await outbox.sealAll();
        await pump();
        return;
      case 'ack':
        await outbox.acknowledgeBatch(message.seq);
        batchesInFlight.delete(message.seq);
        retryAt.delete(`b${message.seq}`);
        dispatcher.emit('ack', message);
        await pump();
        return;
      case 'report_ack':
        await outbox.acknowledgeReport(message.id);
        reportsSent.delete(message.id);
        dispatcher.emit('report_ack', message);
        return;
      case 'answer_ack': {
        const sent = answersSent.get(message.alert_id) || [];
        const version = sent.shift();
        // Only the answer that is still the latest is forgotten: a later one waits for its own ack.
        const latest = await outbox.acknowledgeAnswer(message.alert_id, version);
        dispatcher.emit('answer_ack', { ...message, latest: latest || outbox.answerVersion(message.alert_id) === null });
        return;
      }
      case 'task_status_ack': {
        const id = taskReportsSent.get(message.task_id);
        taskReportsSent.delete(message.task_id);
        if (id !== undefined) await outbox.acknowledgeTaskStatus(id);
        dispatcher.emit('task_status_ack', message);
        await pump();
        return;
      }
      case 'error':
        await refused(message);
        dispatcher.emit('error', message);
        return;
      default:
        dispatcher.emit(message.type, message);
    }
  }

  async function refused(error) {
    const code = String(error.code || '');
    if (error.fatal) {
      if (DEVICE_REFUSALS.includes(code)) {
        refusal = code;
        halt();
        setState('stopped');
      }
      // Other fatal errors (the server could not check the token now...): it closes the
      // socket, and the session reconnects after a pause.
      return;
    }
    const later = code === 'storage_unavailable';
    if (error.seq !== undefined && error.seq !== null && outbox.hasBatch(error.seq)) {
      if (later) retryAt.set(`b${error.seq}`, now() + RETRY_AFTER_MS);
      else await outbox.dropBatch(error.seq, code, error.message);
      batchesInFlight.delete(error.seq);
      await pump();
    } else if (error.id && outbox.isPendingReport(error.id)) {
      if (later) retryAt.set(`r${error.id}`, now() + RETRY_AFTER_MS);
      else await outbox.refuseReport(error.id, code, error.message);
      reportsSent.delete(error.id);
    } else if (error.id && outbox.answerVersion(error.id) !== null) {
      const sent = answersSent.get(error.id) || [];
      sent.shift();
      if (later) retryAt.set(`a${error.id}`, now() + RETRY_AFTER_MS);
      else await outbox.dropAnswer(error.id, code, error.message);
    } else if (error.id && taskReportsSent.has(error.id)) {
      // A task report's refusal names the task.
      const reportId = taskReportsSent.get(error.id);
      taskReportsSent.delete(error.id);
      if (later) retryAt.set(`t${error.id}`, now() + RETRY_AFTER_MS);
      else await outbox.dropTaskStatus(reportId, code, error.message);
      await pump();
    }
  }

  function halt() {
    running = false;
    if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (tickTimer !== null) timers.clearInterval(tickTimer);
    tickTimer = null;
    dropSocket();
  }

  // New batches go out at once when connected.
  outbox.on('sealed', () => {
    if (ready) pump();
  });

  return {
    on: (type, handler) => dispatcher.on(type, handler),
    get state() {
      return state;
    },
    get refusal() {
      return refusal;
    },
    get online() {
      return ready;
    },
    start() {
      if (running) return;
      running = true;
      refusal = null;
      attempt = 0;
      state = 'offline';
      setState('connecting');
      tickTimer = timers.setInterval(tick, TICK_MS);
      connect();
    },
    stop() {
      halt();
      refusal = null;
      setState('stopped');
    },
    /** Connects now instead of waiting out the pause (the browser says it is online again). */
    reconnectNow() {
      if (!running) return;
      if (socket) {
        // Connected, or trying: check the line is alive rather than start over.
        if (ready) ping();
        return;
      }
      if (reconnectTimer !== null) timers.clearTimeout(reconnectTimer);
      reconnectTimer = null;
      attempt = 0;
      connect();
    },
    /** Sends whatever the outbox holds now (after a report or answer is added). */
    flush: () => pump(),
    /** A read receipt: sent now, or after the next welcome. */
    markRead(alertId) {
      if (!(ready && send({ type: 'alert_read', alert_id: alertId }))) readsOwed.add(alertId);
    },
  };
}
