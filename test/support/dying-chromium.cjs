// A stand-in for Chromium that dies while its first tab is being attached: it answers
// Puppeteer's launch over the pipe (fd 3 in, fd 4 out, messages ended by NUL) up to the
// connection's Target.setAutoAttach, announces a tab, then kills itself. Puppeteer's launch
// waits for that tab's page and never settles (render/chromium.ts, settleWithin).
const net = require('node:net');

const output = new net.Socket({ fd: 4, readable: false });
const send = (message) => output.write(`${JSON.stringify(message)}\0`);
let buffered = '';
new net.Socket({ fd: 3, writable: false }).on('data', (data) => {
  buffered += data;
  for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
    const message = JSON.parse(buffered.slice(0, end));
    buffered = buffered.slice(end + 1);
    // The tab's own session is never answered: the process is gone by then.
    if (message.sessionId) continue;
    if (message.method === 'Target.setAutoAttach') {
      const targetInfo = { targetId: 'TAB', type: 'tab', title: '', url: 'about:blank', attached: true, canAccessOpener: false };
      send({ method: 'Target.attachedToTarget', params: { sessionId: 'TAB', targetInfo, waitingForDebugger: false } });
      send({ id: message.id, result: {} });
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 100);
    } else send({ id: message.id, result: {} });
  }
});
