// serve-loopback.mjs: what the interop servers (express-server.mjs,
// express-email.mjs, oidc-provider.mjs) share: listen on 127.0.0.1, print
// one JSON ready line on stdout, and stop on SIGTERM or SIGINT (and, when
// asked, when stdin closes), closing open connections, then exit 0.

// serveLoopback listens with server on 127.0.0.1:port. ready(port) returns
// the object printed as the ready line; close() (optional) is awaited on
// stop; withStdin also stops when stdin closes.
export function serveLoopback(server, { name, port, ready, close = async () => {}, withStdin = true }) {
  const sockets = new Set();
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.listen(port, "127.0.0.1", () => {
    process.stdout.write(JSON.stringify(ready(server.address().port)) + "\n");
  });
  server.on("error", (err) => {
    process.stderr.write(`${name}: ${err.message}\n`);
    process.exit(1);
  });
  let stopping = false;
  function stop() {
    if (stopping) {
      return;
    }
    stopping = true;
    server.close(() => Promise.resolve(close()).finally(() => process.exit(0)));
    for (const s of sockets) {
      s.destroy();
    }
    setTimeout(() => process.exit(0), 2000).unref();
  }
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  if (withStdin) {
    process.stdin.on("end", stop);
    process.stdin.on("error", stop);
    process.stdin.resume();
  }
}
